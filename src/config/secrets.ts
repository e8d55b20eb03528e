import type { GatewayConfig } from './model.js';

/** Every secret value the config holds, for masking in logged child output and the console. */
export function configSecrets(config: GatewayConfig): string[] {
  return config.secrets;
}
