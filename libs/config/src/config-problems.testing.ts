import { loadAppConfig } from './app-config.js';
import { ConfigValidationError } from './config.error.js';

/** For specs: every problem loadAppConfig names for `env`, one per line ('' when it loads). */
export function configProblems(env: Record<string, string>): string {
  try {
    loadAppConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.join('\n');
    throw error;
  }
  return '';
}
