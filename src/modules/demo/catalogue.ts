// What the demo operation is made of: its teams, departments and their internal targets, the
// category tree with each category's volume, handling time and back-office needs, the service
// standards, the channel mix, and the words people write. Plain data; the shapes are invented but
// plausible for a retailer with a subscription service, so every screen has something to show.
import type { CasePriority, CaseType, Channel, CustomerTier } from '../../db/schema.js';
import type { OpeningInterval, Weekday } from '../../lib/business-time.js';
import type { SlaTargets } from '../sla/sla-clock.js';
import type { EscalationRule } from '../sla/escalation.js';

// ---------------------------------------------------------------------------------------------
// Organisation

export type TeamKey = 'billing' | 'orders' | 'tech' | 'care' | 'business';

export const teamSpecs: readonly { key: TeamKey; name: string; description: string }[] = [
  { key: 'billing', name: 'Billing & Payments', description: 'Refunds, invoices, failed payments and subscriptions.' },
  { key: 'orders', name: 'Orders & Delivery', description: 'Where is my order, damaged and wrong items, address changes.' },
  { key: 'tech', name: 'Technical Support', description: 'Sign-in problems, account data and product faults.' },
  { key: 'care', name: 'Customer Care', description: 'Product questions, returns, sales enquiries and complaints.' },
  { key: 'business', name: 'Business Accounts', description: 'Priority and VIP customers of our business clients.' },
];

/** Agents per team, besides its leader: five teams of eight make the forty agents. */
export const agentsPerTeam = 8;

export type DepartmentKey = 'billing' | 'logistics' | 'technical' | 'sales';

export type Ola = { requestType: string; minutes: number; businessHours: boolean };

export const departmentSpecs: readonly { key: DepartmentKey; name: string; description: string; olas: readonly Ola[] }[] = [
  {
    key: 'billing',
    name: 'Billing',
    description: 'Finance back office: refunds, credit notes and invoice corrections.',
    olas: [
      { requestType: 'refund_approval', minutes: 480, businessHours: true },
      { requestType: 'invoice_correction', minutes: 960, businessHours: true },
      { requestType: '*', minutes: 480, businessHours: true },
    ],
  },
  {
    key: 'logistics',
    name: 'Logistics',
    description: 'Warehouse and carriers: parcel traces, replacements and collections.',
    olas: [
      { requestType: 'carrier_trace', minutes: 240, businessHours: true },
      { requestType: 'replacement', minutes: 480, businessHours: true },
      { requestType: '*', minutes: 480, businessHours: true },
    ],
  },
  {
    key: 'technical',
    name: 'Technical',
    description: 'Engineering on call: account unlocks and bug investigations.',
    olas: [
      { requestType: 'account_unlock', minutes: 120, businessHours: true },
      { requestType: 'bug_investigation', minutes: 1440, businessHours: true },
      { requestType: '*', minutes: 480, businessHours: true },
    ],
  },
  {
    key: 'sales',
    name: 'Sales',
    description: 'Account managers: quotes, discounts and contract questions.',
    olas: [
      { requestType: 'quote', minutes: 480, businessHours: true },
      { requestType: '*', minutes: 960, businessHours: true },
    ],
  },
];

/** Back-office members per department, its head included. */
export const membersPerDepartment = 3;

/** The people with a fixed sign-in, so the printed credentials are easy to remember. */
export const namedAccounts = [
  { key: 'admin', role: 'admin', email: 'admin@demo.test', name: 'Alex Admin' },
  { key: 'manager', role: 'manager', email: 'manager@demo.test', name: 'Morgan Manager' },
  { key: 'qa', role: 'qa_analyst', email: 'qa@demo.test', name: 'Quinn Quality' },
  { key: 'planner', role: 'wfm_planner', email: 'planner@demo.test', name: 'Pat Planner' },
  { key: 'executive', role: 'executive', email: 'executive@demo.test', name: 'Evelyn Executive' },
] as const;

// ---------------------------------------------------------------------------------------------
// Calendars (in the operation's time zone)

const weekdaysOnly = (hours: OpeningInterval[]): Partial<Record<Weekday, OpeningInterval[]>> => ({
  monday: hours,
  tuesday: hours,
  wednesday: hours,
  thursday: hours,
  friday: hours,
});

/** The contact centre: long weekdays and a Saturday shift. */
export const supportHours = { ...weekdaysOnly([{ start: '08:00', end: '20:00' }]), saturday: [{ start: '09:00', end: '17:00' }] };

/** The back office keeps office hours. */
export const officeHours = weekdaysOnly([{ start: '09:00', end: '17:30' }]);

/** When customers write back: waking hours, every day (not a stored calendar; it shapes replies). */
export const customerWakingHours = Object.fromEntries(
  (['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const).map((d) => [
    d,
    [{ start: '07:00', end: '23:00' }],
  ]),
) as Record<Weekday, OpeningInterval[]>;

/** Fixed-date public holidays (month-day); both calendars close on them. */
export const fixedHolidays = ['01-01', '12-25', '12-26'] as const;

// ---------------------------------------------------------------------------------------------
// Service standards

export type PolicySpec = {
  key: 'vip' | 'urgent' | 'high' | 'standard';
  name: string;
  description: string;
  priorities?: CasePriority[];
  tiers?: CustomerTier[];
  targets: SlaTargets;
  pauseOnDepartment: boolean;
  escalations: EscalationRule[];
};

const bh = (minutes: number) => ({ minutes, businessHours: true });

/** In evaluation order: the first that matches a case applies (VIP before priority). */
export const policySpecs: readonly PolicySpec[] = [
  {
    key: 'vip',
    name: 'VIP customers',
    description: 'Our most valuable clients: fast answers, and the managers hear of every missed first reply.',
    tiers: ['vip'],
    targets: { firstReply: bh(30), nextReply: bh(60), resolution: bh(480) },
    pauseOnDepartment: false,
    escalations: [{ on: 'breach', target: 'firstReply', setPriority: 'urgent', addTags: ['vip-breach'], notifyManagers: true }],
  },
  {
    key: 'urgent',
    name: 'Urgent',
    description: 'Service down, money lost, safety: answer within half an hour, solve the same day.',
    priorities: ['urgent'],
    targets: { firstReply: bh(30), nextReply: bh(60), resolution: bh(240) },
    pauseOnDepartment: false,
    escalations: [{ on: 'breach', target: 'resolution', addTags: ['urgent-overdue'] }],
  },
  {
    key: 'high',
    name: 'High priority',
    description: 'Answer within the hour, solve within one business day.',
    priorities: ['high'],
    targets: { firstReply: bh(60), nextReply: bh(120), resolution: bh(720) },
    pauseOnDepartment: true,
    escalations: [],
  },
  {
    key: 'standard',
    name: 'Standard',
    description: 'Everything else: answer within four business hours, solve within two business days.',
    targets: { firstReply: bh(240), nextReply: bh(480), resolution: bh(1440) },
    pauseOnDepartment: true,
    escalations: [],
  },
];

/** The policy a new case falls under, as the SLA module will match it (same order, same conditions). */
export function policyFor(priority: CasePriority, tier: CustomerTier): PolicySpec {
  return policySpecs.find((p) => (!p.tiers || p.tiers.includes(tier)) && (!p.priorities || p.priorities.includes(priority)))!;
}

// ---------------------------------------------------------------------------------------------
// Contacts

/**
 * Weights of the channels while the contact centre is open. Chat, phone and the counter close at
 * night, when about a sixth of contacts arrive, so they weigh more here: over a whole week the mix
 * comes to about 45 % email, 15 % web form, 20 % chat, 15 % phone and 5 % the rest.
 */
export const channelMix: readonly (readonly [Channel, number])[] = [
  ['email', 41],
  ['web', 14],
  ['chat', 24],
  ['phone', 18],
  ['sms', 1.5],
  ['messaging', 1],
  ['walk_in', 1],
  ['portal', 0.5],
];

/** Channels a person staffs in real time: nobody answers them while the contact centre is closed. */
export const liveChannels: readonly Channel[] = ['chat', 'phone', 'walk_in'];

export const priorityMix: readonly (readonly [CasePriority, number])[] = [
  ['low', 18],
  ['normal', 67],
  ['high', 12],
  ['urgent', 3],
];

export type CategorySpec = {
  parent: string;
  name: string;
  /** Relative volume. */
  weight: number;
  team: TeamKey;
  types: readonly (readonly [CaseType, number])[];
  /** Business minutes of work from arrival to solved: the median and the spread of the logarithm. */
  handling: { median: number; sigma: number };
  /** The back office this kind of case needs, how often, and for what. */
  department?: { key: DepartmentKey; requestType: string; share: number };
  /** Share of cases escalated to a manager by hand. */
  escalation: number;
  subjects: readonly string[];
  bodies: readonly string[];
};

const q: CaseType = 'question';
const sr: CaseType = 'service_request';

export const categorySpecs: readonly CategorySpec[] = [
  {
    parent: 'Billing',
    name: 'Refund',
    weight: 9,
    team: 'billing',
    types: [
      [sr, 8],
      ['complaint', 2],
    ],
    handling: { median: 420, sigma: 0.8 },
    department: { key: 'billing', requestType: 'refund_approval', share: 0.4 },
    escalation: 0.02,
    subjects: [
      'Refund not received for order {order}',
      'Please refund my order {order}',
      'When will I get my {amount} back?',
      'Refund request',
    ],
    bodies: [
      'I returned order {order} two weeks ago and still have not received my refund of {amount}. Can you check?',
      'Hello, I cancelled order {order} the same day but the {amount} has not come back to my card.',
      'The {product} did not suit me and I sent it back. Please refund {amount} to my account.',
    ],
  },
  {
    parent: 'Billing',
    name: 'Invoice',
    weight: 7,
    team: 'billing',
    types: [
      [q, 6],
      [sr, 4],
    ],
    handling: { median: 180, sigma: 0.8 },
    department: { key: 'billing', requestType: 'invoice_correction', share: 0.25 },
    escalation: 0.01,
    subjects: ['Wrong VAT number on invoice {invoice}', 'Copy of invoice {invoice} please', 'Invoice {invoice} shows the wrong amount'],
    bodies: [
      'Our invoice {invoice} has the old company address. Could you issue a corrected one?',
      'Please send me a copy of invoice {invoice}; our accounts team needs it by Friday.',
      'Invoice {invoice} charges {amount} but the order confirmation said less.',
    ],
  },
  {
    parent: 'Billing',
    name: 'Payment failed',
    weight: 5,
    team: 'billing',
    types: [
      [q, 5],
      ['incident', 2],
    ],
    handling: { median: 90, sigma: 0.7 },
    escalation: 0.01,
    subjects: ['Payment declined but money taken', 'Card payment keeps failing', 'Charged twice for order {order}'],
    bodies: [
      'My payment for order {order} was declined, yet {amount} left my account. What happened?',
      'I have tried three cards and the checkout fails every time at the last step.',
      'I see two payments of {amount} for the same order {order}.',
    ],
  },
  {
    parent: 'Billing',
    name: 'Subscription',
    weight: 4,
    team: 'billing',
    types: [[sr, 1]],
    handling: { median: 60, sigma: 0.7 },
    escalation: 0.005,
    subjects: ['Change my plan to monthly', 'Cancel my subscription', 'Pause subscription over the summer'],
    bodies: [
      'Please move me from the annual plan to the monthly one from next month.',
      'I would like to cancel my subscription at the end of this billing period.',
      'Can I pause my subscription for two months while I am away?',
    ],
  },
  {
    parent: 'Delivery',
    name: 'Late',
    weight: 12,
    team: 'orders',
    types: [
      [q, 7],
      ['complaint', 2],
    ],
    handling: { median: 240, sigma: 0.9 },
    department: { key: 'logistics', requestType: 'carrier_trace', share: 0.35 },
    escalation: 0.02,
    subjects: [
      'Where is my order {order}?',
      'Order {order} still not delivered',
      'Tracking has not moved for a week',
      'Delivery missed again',
    ],
    bodies: [
      'My order {order} was due on Tuesday and has not arrived. The tracking page says "in transit".',
      'I need the {product} for a birthday on Saturday. Order {order} — will it arrive in time?',
      'The courier says they tried to deliver but nobody came to the door. I was home all day.',
    ],
  },
  {
    parent: 'Delivery',
    name: 'Damaged',
    weight: 5,
    team: 'orders',
    types: [
      ['complaint', 6],
      [sr, 4],
    ],
    handling: { median: 480, sigma: 0.8 },
    department: { key: 'logistics', requestType: 'replacement', share: 0.5 },
    escalation: 0.03,
    subjects: ['{product} arrived broken', 'Damaged parcel, order {order}', 'Item smashed in transit'],
    bodies: [
      'The box was crushed and the {product} inside is cracked. Order {order}. Photos attached.',
      'Order {order} arrived with the packaging torn open and a part missing.',
    ],
  },
  {
    parent: 'Delivery',
    name: 'Wrong item',
    weight: 3,
    team: 'orders',
    types: [
      ['complaint', 1],
      [sr, 1],
    ],
    handling: { median: 360, sigma: 0.8 },
    department: { key: 'logistics', requestType: 'replacement', share: 0.4 },
    escalation: 0.02,
    subjects: ['Received the wrong item', 'Order {order}: not what I ordered', 'Wrong size delivered'],
    bodies: [
      'I ordered a {product} but received something completely different. Order {order}.',
      'The parcel for order {order} contains someone else’s items.',
    ],
  },
  {
    parent: 'Delivery',
    name: 'Address change',
    weight: 4,
    team: 'orders',
    types: [[sr, 1]],
    handling: { median: 45, sigma: 0.6 },
    escalation: 0.003,
    subjects: ['Change delivery address for {order}', 'Deliver to my work address instead'],
    bodies: [
      'Please deliver order {order} to my office instead; I have put the new address below.',
      'I have moved house. Can you update the address on order {order} before it ships?',
    ],
  },
  {
    parent: 'Account',
    name: 'Login',
    weight: 8,
    team: 'tech',
    types: [
      [q, 2],
      ['incident', 1],
    ],
    handling: { median: 40, sigma: 0.8 },
    department: { key: 'technical', requestType: 'account_unlock', share: 0.12 },
    escalation: 0.005,
    subjects: [
      'Cannot log in',
      'Password reset email never arrives',
      'Account locked after too many attempts',
      'Two-factor code not working',
    ],
    bodies: [
      'I cannot sign in to my account since yesterday. The reset link says it has expired.',
      'My account is locked and the unlock email does not arrive, even in spam.',
      'The app keeps asking for a two-factor code but the code is always rejected.',
    ],
  },
  {
    parent: 'Account',
    name: 'Personal data',
    weight: 3,
    team: 'tech',
    types: [[sr, 1]],
    handling: { median: 90, sigma: 0.7 },
    escalation: 0.01,
    subjects: ['Update my email address', 'Request a copy of my data', 'Delete my account'],
    bodies: [
      'Please change the email address on my account; I no longer use the old one.',
      'Under data protection law I would like a copy of the personal data you hold about me.',
      'Please close my account and delete my data.',
    ],
  },
  {
    parent: 'Product',
    name: 'Question',
    weight: 12,
    team: 'care',
    types: [[q, 1]],
    handling: { median: 35, sigma: 0.8 },
    escalation: 0.003,
    subjects: [
      'Is the {product} compatible with my model?',
      'Question about the {product}',
      'Which size should I order?',
      'Warranty on the {product}',
    ],
    bodies: [
      'Before I buy: does the {product} work with the older model? The product page is not clear.',
      'How long is the warranty on the {product}, and does it cover accidental damage?',
      'I am between two sizes. Which would you recommend for the {product}?',
    ],
  },
  {
    parent: 'Product',
    name: 'Fault',
    weight: 7,
    team: 'tech',
    types: [
      ['incident', 3],
      ['complaint', 1],
    ],
    handling: { median: 600, sigma: 0.9 },
    department: { key: 'technical', requestType: 'bug_investigation', share: 0.35 },
    escalation: 0.03,
    subjects: [
      '{product} stopped working',
      '{product} will not switch on',
      'App crashes when I open settings',
      'Error code E42 on the {product}',
    ],
    bodies: [
      'My {product} stopped working after the latest update. I have tried restarting it.',
      'The {product} shows error E42 and then switches itself off.',
      'The app crashes every time I open the settings page, on two different phones.',
    ],
  },
  {
    parent: 'Product',
    name: 'Return',
    weight: 5,
    team: 'care',
    types: [[sr, 1]],
    handling: { median: 120, sigma: 0.7 },
    escalation: 0.005,
    subjects: ['How do I return the {product}?', 'Return label for order {order}', 'Collection for a return'],
    bodies: [
      'I would like to return the {product} from order {order}. How do I get a label?',
      'Can you arrange a collection for my return? It is too heavy to take to the post office.',
    ],
  },
  {
    parent: 'Sales',
    name: 'Quote',
    weight: 4,
    team: 'care',
    types: [[q, 1]],
    handling: { median: 240, sigma: 0.8 },
    department: { key: 'sales', requestType: 'quote', share: 0.5 },
    escalation: 0.003,
    subjects: ['Quote for 25 units of the {product}', 'Bulk discount?', 'Price for a company account'],
    bodies: [
      'We would like to order 25 {product} units for our office. Can you send a quote?',
      'Do you offer discounts for schools and charities?',
    ],
  },
  {
    parent: 'Complaint',
    name: 'Service',
    weight: 4,
    team: 'care',
    types: [['complaint', 1]],
    handling: { median: 360, sigma: 0.9 },
    department: { key: 'sales', requestType: 'goodwill', share: 0.1 },
    escalation: 0.12,
    subjects: ['Very disappointed with your service', 'Formal complaint', 'Third time I have contacted you', 'Nobody answers my emails'],
    bodies: [
      'This is the third time I have written about order {order} and I still have no answer. I want this resolved now.',
      'I waited 40 minutes on the phone and was cut off. This is not acceptable.',
      'I was promised a call back that never came. I would like to make a formal complaint.',
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Words

export const products = [
  'Aero kettle',
  'Nimbus headphones',
  'Orbit smart speaker',
  'Terra backpack',
  'Lumen desk lamp',
  'Flux e-bike battery',
  'Pico camera',
  'Vela running shoes',
  'Nova coffee grinder',
  'Atlas tent',
] as const;

export const texts = {
  acknowledge: [
    'Hi {first}, thanks for getting in touch. I am looking into this now and will come back to you shortly.',
    'Hello {first}, sorry for the trouble. I have picked this up and am checking the details.',
    'Thanks {first}. I can see the order on our side and I am on it.',
  ],
  askForInfo: [
    'Hi {first}, could you send us the order number and a photo of the item, please? As soon as we have it we can carry on.',
    'Hello {first}, to check this I need the email address the order was placed with and the last four digits of the card.',
    'Thanks {first}. Could you tell us which device and app version you are using?',
  ],
  customerAnswer: [
    'Here you go: order {order}. Thanks.',
    'Photo attached. The box was crushed on one side.',
    'It is the latest version of the app, on an Android phone.',
    'The order was placed with this email address; card ending 4821.',
  ],
  chaser: [
    'Any news on this?',
    'Just checking whether there is an update. I really need this sorted.',
    'Hello? Is anyone looking at this?',
  ],
  update: [
    'Thanks for your patience, {first}. I am still working on this and will update you again today.',
    'Quick update, {first}: we are close; I will confirm as soon as I have the final answer.',
  ],
  relay: [
    'Good news, {first}: our {department} team has confirmed it. Here is what happens next.',
    'Hi {first}, I have the answer from our {department} colleagues and have put everything in place.',
  ],
  solve: [
    'That is all sorted now, {first}. I will close this case; just reply if anything else comes up.',
    'Done: you should see the change within a day. Thanks for your patience, {first}.',
    'Happy to help, {first}. I am marking this as solved; reply any time if you need us again.',
  ],
  noAnswerSolve: ['We have not heard back, {first}, so I am closing this for now. Just reply to this message and it will reopen.'],
  reopen: [
    'Sorry, this still is not working.',
    'I still have not received it.',
    'The problem came back this morning.',
    'That is not what we agreed; the amount is still wrong.',
  ],
  escalation: [
    'Customer asked to speak to a manager',
    'Third contact about the same problem',
    'Customer threatens to cancel their contract',
    'Possible legal complaint',
  ],
  managerNote: [
    'Called the customer, apologised and agreed a goodwill credit.',
    'Spoke to the customer; agreed next steps and a call back on Friday.',
    'Reviewed with the team leader: priority raised, I will follow up personally.',
  ],
  departmentQuestion: [
    'Customer {name}, order {order}: can you confirm what we can offer? Details on the case.',
    'Please check order {order} for {name} and tell us the status; the customer is waiting.',
    'Could you look into this for {name} (order {order})? We need your answer to reply.',
  ],
  departmentAnswer: [
    'Checked: approved, processed today; the customer sees it in 3 to 5 working days.',
    'Done on our side. Reference {invoice}.',
    'Carrier confirms a new delivery date of tomorrow; replacement booked as a fallback.',
    'Investigated: a known issue, fixed in tonight’s release; workaround sent to the customer’s account.',
  ],
} as const;

export const firstNames: readonly string[] = (
  'Amelia Oliver Isla George Ava Noah Mia Arthur Grace Leo Freya Oscar Lily Harry Sofia Jack Ivy Charlie Emily ' +
  'Theo Ella Finley Chloe Jacob Aisha Mohammed Priya Ravi Zara Yusuf Hana Kenji Mei Lucas Elena Mateo Ines Tomasz ' +
  'Zofia Pierre Camille Lars Ingrid Kwame Amara Diego Lucia Sean Niamh Callum Eilidh Rhys Seren Daniel Hannah'
).split(' ');

export const lastNames: readonly string[] = (
  'Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker White ' +
  'Roberts Green Hall Khan Lewis Harris Clarke Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Nowak ' +
  'Kowalski Rossi Garcia Müller Dubois Okafor Mensah Ahmed Singh Chen Tanaka Murphy Kelly Byrne Campbell Stewart ' +
  'Hughes Lloyd'
).split(' ');

/** Business clients: their contacts carry the client's tier and write more often than most. */
export const organisationSpecs: readonly { name: string; domain: string; tier: CustomerTier }[] = [
  { name: 'Northwind Traders', domain: 'northwind.example', tier: 'vip' },
  { name: 'Contoso Retail', domain: 'contoso.example', tier: 'vip' },
  { name: 'Fabrikam Engineering', domain: 'fabrikam.example', tier: 'priority' },
  { name: 'Tailspin Travel', domain: 'tailspin.example', tier: 'priority' },
  { name: 'Woodgrove Bank', domain: 'woodgrove.example', tier: 'priority' },
  { name: 'Litware Schools', domain: 'litware.example', tier: 'priority' },
  { name: 'Adventure Works', domain: 'adventureworks.example', tier: 'standard' },
  { name: 'Proseware', domain: 'proseware.example', tier: 'standard' },
  { name: 'Lucerne Publishing', domain: 'lucerne.example', tier: 'standard' },
  { name: 'Wide World Importers', domain: 'wideworld.example', tier: 'standard' },
  { name: 'Blue Yonder Airlines', domain: 'blueyonder.example', tier: 'standard' },
  { name: 'Coho Vineyard', domain: 'coho.example', tier: 'standard' },
];

/** Private customers' mail providers (reserved example domains: nothing is ever sent). */
export const personalDomains = ['example.com', 'example.net', 'example.org', 'mail.example', 'post.example'] as const;
