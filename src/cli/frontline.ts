#!/usr/bin/env node
// Entry point of the `frontline` binary.
import { buildCli, reportCliFailure } from './cli.js';

buildCli().parseAsync(process.argv).catch(reportCliFailure);
