-- `frontline demo --bulk` writes each case's search document with the case row: the pieces the
-- services append one message at a time (`search || part`), joined in message order by one
-- aggregate over the same concatenation, so both paths give the same document.
create aggregate frontline_tsvector_agg (tsvector) (sfunc = tsvector_concat, stype = tsvector, initcond = '');
