// What every CLI verb receives: validated config, output mode and writers.
import type { AppConfig } from '../core/config';

export interface CliContext {
  config: AppConfig;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
}
