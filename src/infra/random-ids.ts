import { randomUUID } from 'node:crypto';
import { IdGenerator } from '../domain/ports/id-generator.port';

export class RandomIds implements IdGenerator {
  next(): string {
    return randomUUID();
  }
}
