// The vocabulary of the benchmark data: people, companies and help-desk language. The dataset
// loader hands these lists to SQL as arrays; the ingest load draws from them in JavaScript, so
// both speak the same language and full-text search meets varied, skewed word frequencies.

/** Whitespace-separated words as a list (keeps the long vocabularies compact). */
function list(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

export const firstNames = list(`
Olivia Liam Emma Noah Amelia Oliver Ava Elijah Sophia Lucas Isabella Mateo Mia Levi Charlotte James Harper Ethan Luna
Aiden Evelyn Leo Aria Kai Chloe Omar Fatima Yusuf Aisha Ibrahim Mariam Chinedu Ngozi Kwame Ama Thabo Zanele Wei Mei
Hiroshi Yuki Ravi Priya Arjun Ananya Carlos Lucia Diego Valentina Pierre Camille Hans Greta Sven Ingrid Ivan Olga Tomasz
Zofia Andrea Giulia Nikos Eleni Sean Siobhan Tariq Leila Kofi Efua Jonas Mila Emil Freya Hugo Alice Oscar Nora Felix
Clara Samuel Grace Daniel Ruth
`);

export const lastNames = list(`
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson
Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young
Allen King Wright Scott Okafor Adeyemi Mensah Nkosi Dlamini Mwangi Otieno Chen Wang Zhang Tanaka Suzuki Sato Patel
Sharma Singh Gupta Khan Ali Hassan Haddad Nasser Rossi Bianchi Ferrari Dubois Laurent Moreau Schmidt Schneider Fischer
Weber Novak Kowalski Nowak Ivanov Petrov Jensen Nielsen Hansen Larsen Berg Lindqvist Murphy Kelly O'Brien Byrne Costa
Silva Santos Oliveira
`);

export const emailDomains = list(`
example.com example.org example.net mail.example inbox.example post.example acme.example globex.example initech.example
umbrella.example hooli.example stark.example wayne.example wonka.example tyrell.example cyberdyne.example
soylent.example gringotts.example oscorp.example aperture.example
`);

export const teamNames = ['Billing', 'Logistics', 'Technical Support', 'Accounts', 'Returns', 'Sales', 'Onboarding', 'Priority Care'];

/** Subject lines a help desk sees over and over; `#` becomes an order or invoice number. */
export const subjects = [
  'Refund for order #',
  'Where is my order #',
  'Cannot log in to my account',
  'Password reset link not working',
  'Charged twice for invoice #',
  'Delivery delayed again',
  'Wrong item received in order #',
  'Damaged parcel',
  'Cancel my subscription',
  'Update billing address',
  'Change delivery address for order #',
  'App crashes on startup',
  'Error when paying by card',
  'Question about my invoice #',
  'Request a callback',
  'Complaint about customer service',
  'Missing items in my delivery',
  'Account locked after too many attempts',
  'How do I export my data',
  'Upgrade to the premium plan',
  'Discount code does not apply',
  'Warranty claim for product',
  'Return label not received',
  'Tracking number shows no updates',
  'Duplicate account merge',
  'Invoice # shows the wrong VAT number',
  'Service outage in my area',
  'Technician did not arrive',
  'Appointment reschedule',
  'Feedback on the new website',
  'Unable to download receipt',
  'Two-factor code never arrives',
  'Close my account',
  'Price changed after checkout',
  'Gift card balance missing',
  'Order # stuck in processing',
  'Partial refund still pending',
  'Urgent: payment failed for invoice #',
  'Broken screen on arrival',
  'Subscription renewed without notice',
];

/** Help-desk vocabulary, most frequent first: the generators pick early words far more often. */
export const words = list(`
order account please help payment refund delivery invoice thanks customer email number problem received today still
waiting issue service update card charged cancel return product message support password login address subscription week
days again urgent reply tracking parcel package courier shipping billing amount balance credit debit bank transfer
receipt confirmation reference ticket complaint manager store website app phone call chat wrong missing damaged broken
late delayed lost error failed declined expired locked reset change replace exchange warranty repair technician
appointment schedule morning afternoon evening monday tuesday wednesday thursday friday weekend month year price
discount coupon voucher gift plan premium upgrade downgrade renewal contract terms policy privacy data export download
upload document attachment screenshot photo label box item size colour model serial device laptop tablet router modem
connection internet outage signal speed slow crash freeze install version browser notification verification code
security fraud unauthorised dispute chargeback statement tax vat company business branch counter queue quickly
unfortunately disappointed frustrated happy grateful excellent terrible awful confused explain understand clarify
confirm check investigate escalate resolve fixed works tried restart settings profile username mobile landline fibre
meter reading estimate tariff insurance claim policyholder premium excess quote booking reservation flight hotel luggage
baggage seat voucher loyalty points membership card pin atm withdrawal deposit overdraft mortgage loan interest fee
penalty compensation goodwill apology feedback survey rating recommend colleague supervisor callback voicemail hold
transferred disconnected promised never allergy ingredient recipe subscription bicycle scooter battery charger cable
adapter firmware bluetooth wifi printer scanner keyboard headphones speaker camera lens tripod microphone
`);

/** Joiners that make generated sentences read like sentences (and test stop-word handling). */
export const fillers = list(`
the my and but for with from is was not it this that on in a to I you we
`);

export function pick<T>(list: readonly T[], rnd: () => number): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/** Skewed toward the start of the list (Zipf-like), as real word use is. */
export function pickSkewed<T>(list: readonly T[], rnd: () => number): T {
  return list[Math.floor(rnd() ** 2.5 * list.length)]!;
}

export function makeSubject(rnd: () => number): string {
  return pick(subjects, rnd).replace('#', `#${100_000 + Math.floor(rnd() * 900_000)}`);
}

export function makeBody(rnd: () => number, sentences = 3): string {
  const out: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const n = 6 + Math.floor(rnd() * 10);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(rnd() < 0.35 ? pick(fillers, rnd) : pickSkewed(words, rnd));
    const sentence = w.join(' ');
    out.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`);
  }
  return out.join(' ');
}

/** A small fast seeded generator (mulberry32), so runs draw the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
