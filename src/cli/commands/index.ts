/**
 * Command modules contributed by channels (leaks, attacks, coordination exports...). Each
 * module exports a `register(program)` that adds its subcommands; add one line here.
 */
import type { Command } from 'commander';
import { register as registerLeaks } from './leaks.js';
import { register as registerAttacks } from './attacks.js';
import { register as registerCoordination } from './coordination.js';
import { register as registerExport } from './export.js';
import { register as registerRegistry } from './registry.js';
import { register as registerNarratives } from './narratives.js';
import { register as registerAccounts } from './accounts.js';
import { register as registerReport } from '../../report/command.js';
import { register as registerServe } from './serve.js';

export type RegisterCommands = (program: Command) => void;

export const COMMAND_MODULES: RegisterCommands[] = [
  registerCoordination,
  registerAccounts,
  registerNarratives,
  registerRegistry,
  registerLeaks,
  registerAttacks,
  registerExport,
  registerReport,
  registerServe,
];
