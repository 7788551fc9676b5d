import { Command } from 'commander';
import { readFileSync } from 'node:fs';

/**
 * Fills the options nobody set on the command line or in the environment from a JSON file whose keys are
 * the options' names (`{"port": 6000, "data": "/srv/ferry"}`): flags over environment over file over
 * defaults. Values go through each option's own parser and choices, so the file is checked like argv.
 */
export function applyConfigFile(command: Command, file: string): void {
  let settings: unknown;
  try {
    settings = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new Error(`config file ${file} must hold one JSON object`);
  }
  for (const [key, value] of Object.entries(settings)) {
    const option = command.options.find((candidate) => candidate.attributeName() === key && key !== 'config');
    if (!option) throw new Error(`config file ${file}: unknown setting "${key}"`);
    // Set by a flag or the environment: those win. Options without a default have no source yet.
    const source = command.getOptionValueSource(key);
    if (source !== undefined && source !== 'default') continue;
    if (option.isBoolean()) {
      if (typeof value !== 'boolean') throw new Error(`config file ${file}: "${key}" must be true or false`);
      command.setOptionValueWithSource(key, value, 'config');
      continue;
    }
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (option.argChoices && !option.argChoices.includes(text)) {
      throw new Error(`config file ${file}: "${key}" must be one of ${option.argChoices.join(', ')}`);
    }
    let parsed: unknown = text;
    try {
      if (option.parseArg) parsed = option.parseArg(text, undefined);
    } catch (error) {
      throw new Error(`config file ${file}: "${key}": ${(error as Error).message}`);
    }
    command.setOptionValueWithSource(key, parsed, 'config');
  }
}
