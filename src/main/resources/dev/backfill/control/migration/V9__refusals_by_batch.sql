-- Which batch's apply released a waiting row the target then refused: the operator's apply counts the refusals
-- of its batch made by any process (its own writers and every worker's), not only its own.
alter table pending_rows add column refused_by_batch int;
