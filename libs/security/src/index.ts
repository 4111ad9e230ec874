export { AuthError } from './auth.error.js';
export { AuthService, bearerToken, type AuthRequest } from './auth.service.js';
export { OriginPolicy } from './origin-policy.service.js';
export { SecurityModule } from './security.module.js';
