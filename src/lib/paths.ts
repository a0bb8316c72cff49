// Locations inside the installed package, valid both from src/ (tsx, tests) and dist/ (built).
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
export const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));
