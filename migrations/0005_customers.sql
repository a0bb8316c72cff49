-- Customer directory: finding customers by the words of their name or the start of an identity,
-- listing them newest first, and each customer's contacts for their timeline.
-- pg_trgm is not available on every server, so name search uses the 'simple' text-search
-- configuration (prefix match per word) and identity search a text_pattern_ops btree (prefix
-- match whatever the database collation).

create index customers_name_words_idx on customers using gin (to_tsvector('simple', name));
create index customers_listing_idx on customers (created_at desc, id desc) where merged_into_id is null;
create index customer_identities_value_prefix_idx on customer_identities (value text_pattern_ops);
create index case_messages_customer_author_idx on case_messages (author_customer_id, created_at desc, id desc) where kind = 'customer';
create index customers_merged_into_idx on customers (merged_into_id) where merged_into_id is not null;
