import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'security:public';

/** Exempts a controller or route from authentication and rate limiting (discovery documents, probes). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
