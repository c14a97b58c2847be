-- What apply proved about a ledger row's target rows, so that parity need not hash every row again.
--
-- written_xid: the transaction that wrote the rows and, in that same transaction after its last write to the
--   target, read them back and found each equal to its planned row (the MD5 row hash of row_hashes). A row
--   version keeps its writer's transaction id (xmin) until something rewrites the row, so a target row whose
--   xmin is still this transaction's is the row that was checked. Null for rows written before this version,
--   or when the check could not rely on xmin: parity hashes those rows as before.
-- written_system: the database cluster's system identifier at that moment; a transaction id means nothing in
--   another cluster (a dump restored elsewhere).
-- key_hash: the sum of the rows' identity hashes (hash_record_extended of the identity columns), so parity can
--   tell that the rows carrying that xmin in the table are exactly the rows this transaction ledgered.
alter table ledger add column written_xid xid8;
alter table ledger add column written_system bigint;
alter table ledger add column key_hash numeric;

-- Parity's totals per entity, user and writing transaction, read from this narrow index alone (apply vacuums
-- the ledger after each batch so that the index suffices) instead of from the wide ledger rows.
create index ledger_parity on ledger (plan, entity, user_key)
    include (target_table, written_xid, written_system, row_count, key_hash) where rolled_back_at is null;
