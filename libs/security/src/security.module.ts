import { Global, Module } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { OriginPolicy } from './origin-policy.service.js';

/** Authentication and origin checks shared by every entrance (REST, /mcp, /ws). */
@Global()
@Module({
  providers: [AuthService, OriginPolicy],
  exports: [AuthService, OriginPolicy],
})
export class SecurityModule {}
