-- Web forms and the customer portal. A form is a public intake page that opens a case; the
-- portal lets a customer sign in by an emailed one-time link and follow their own cases.

create table forms (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null unique,
  active boolean not null default true,
  -- Confirmations go out from this mailbox.
  mailbox_id uuid references mailboxes (id) on delete set null,
  team_id uuid references teams (id) on delete set null,
  fields jsonb not null,
  -- A select field whose answer picks the case category, and the option -> category id map.
  category_field text,
  category_map jsonb not null default '{}',
  confirmation_text text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- What the public endpoints let through, counted per key (an IP address, an email address) so that
-- the limits hold across instances. Old rows are worthless after the window.
create table public_rate_events (
  id bigint generated always as identity primary key,
  scope text not null,
  key text not null,
  at timestamptz not null
);
create index public_rate_events_key_idx on public_rate_events (scope, key, at);

-- One-time sign-in links: only the SHA-256 of the token is stored.
create table portal_login_tokens (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references customers (id) on delete cascade,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null
);

create table portal_sessions (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references customers (id) on delete cascade,
  secret_hash text not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null
);
create index portal_sessions_customer_idx on portal_sessions (customer_id);
