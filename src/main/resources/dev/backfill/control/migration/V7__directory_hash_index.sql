-- The directory of legacy rows (legacy_owners) is looked up by a legacy id alone, with equality: a hash index
-- on it instead of a btree on (plan, entity, legacy_id). Legacy ids (UUIDs, mostly) come in no order, so each
-- dry run's insert of a row went to a random page of a btree that at 1,000,000 users outgrew the server's
-- cache (431 MB for 4 million rows, against 146 MB as a hash): inserting those 4 million rows took 41-42 s
-- with the btree, 18-19 s with the hash index. The look-ups (legacy_id = any(...), and the join on
-- legacy_id) use the hash index; plan and entity are checked on the rows it finds.
drop index legacy_owners_row;
create index legacy_owners_row on legacy_owners using hash (legacy_id);
