// The people of the demo, derived from the seed: staff names, and the customer base as a function
// of an index (no list is held, so a large base costs nothing until someone gets in touch). The
// first customers are contacts of the business clients, with their client's tier; they are
// created up front, the rest on first contact, as a real channel would.
import type { CustomerTier } from '../../db/schema.js';
import { firstNames, lastNames, organisationSpecs, personalDomains } from './catalogue.js';
import { deriveRng, pick, type Rng } from './random.js';

export type PersonName = { first: string; last: string; name: string };

/** ASCII letters only, for the local part of an email address ("Müller" → "muller"). */
export function emailWord(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function drawName(rng: Rng): PersonName {
  const first = pick(rng, firstNames);
  const last = pick(rng, lastNames);
  return { first, last, name: `${first} ${last}` };
}

/** `count` different staff names, the same for a seed. */
export function staffNames(seed: number, count: number): PersonName[] {
  const rng = deriveRng(seed, 'staff');
  const seen = new Set<string>();
  const names: PersonName[] = [];
  // 55 × 50 combinations: far more than the ~70 staff, so this ends quickly.
  while (names.length < count) {
    const n = drawName(rng);
    if (seen.has(n.name)) continue;
    seen.add(n.name);
    names.push(n);
  }
  return names;
}

export type CustomerSpec = PersonName & {
  index: number;
  email: string;
  phone: string;
  tier: CustomerTier;
  /** Index into organisationSpecs for business contacts. */
  organisation: number | null;
};

export type CustomerPool = {
  size: number;
  /** Customers [0, businessContacts) are business contacts, created before the history starts. */
  businessContacts: number;
  customer(index: number): CustomerSpec;
  /** Which customer gets in touch: a few write often, most once or twice. */
  pickIndex(rng: Rng): number;
};

/** How skewed contact frequency is: index = size · u^skew, so low indices (business contacts) write most. */
const contactSkew = 1.7;

export function customerPool(seed: number, expectedCases: number): CustomerPool {
  const size = Math.min(200_000, Math.max(60, Math.round(expectedCases * 0.45)));
  const businessContacts = Math.min(600, Math.max(organisationSpecs.length, Math.round(size * 0.06)));
  const customer = (index: number): CustomerSpec => {
    const n = drawName(deriveRng(seed, 'customer', index));
    const organisation = index < businessContacts ? index % organisationSpecs.length : null;
    const org = organisation === null ? null : organisationSpecs[organisation]!;
    const domain = org ? org.domain : personalDomains[index % personalDomains.length]!;
    return {
      ...n,
      index,
      // The index keeps addresses and numbers unique however the names repeat.
      email: `${emailWord(n.first)}.${emailWord(n.last)}${index}@${domain}`,
      phone: `+447700${String(index).padStart(6, '0')}`,
      tier: org ? org.tier : 'standard',
      organisation,
    };
  };
  return { size, businessContacts, customer, pickIndex: (rng) => Math.min(size - 1, Math.floor(size * rng() ** contactSkew)) };
}

/** Fills {placeholders} from the values; unknown ones stay as written. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}
