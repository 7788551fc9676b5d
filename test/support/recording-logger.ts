import { LogFields, Logger } from '../../src/domain/ports/logger.port';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: LogFields;
}

/** A logger that hands every line to the test, so it can see what the server said. */
export function recordingLogger(onLine: (line: LogLine) => void): Logger {
  const logger: Logger = {
    debug: (message, fields) => onLine({ level: 'debug', message, fields }),
    info: (message, fields) => onLine({ level: 'info', message, fields }),
    warn: (message, fields) => onLine({ level: 'warn', message, fields }),
    error: (message, fields) => onLine({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}
