/**
 * Command modules contributed by channels (leaks, attacks, coordination exports...). Each
 * module exports a `register(program)` that adds its subcommands; add one line here.
 */
import type { Command } from 'commander';

export type RegisterCommands = (program: Command) => void;

export const COMMAND_MODULES: RegisterCommands[] = [];
