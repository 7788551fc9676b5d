import winston from 'winston';
import { LogFields, Logger } from '../domain/ports/logger.port';

/** JSON lines on stderr, so stdout stays for what a person asked to see. */
export function createWinstonLogger(level: string): Logger {
  const base = winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
      }),
    ],
  });
  return wrap(base);
}

function wrap(target: winston.Logger): Logger {
  return {
    debug: (message, fields) => target.debug(message, fields),
    info: (message, fields) => target.info(message, fields),
    warn: (message, fields) => target.warn(message, fields),
    error: (message, fields) => target.error(message, fields),
    child: (fields: LogFields) => wrap(target.child(fields)),
  };
}
