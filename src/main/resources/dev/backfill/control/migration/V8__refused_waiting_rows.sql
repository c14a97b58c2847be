-- A waiting row is written in the transaction of the apply that writes the row it waits for: another user's
-- apply. When the target refuses it there (the live app wrote a row with its key since, or a check it no longer
-- meets), that apply must not fail for it: the row stays waiting, and why the target refused it is kept here
-- for the operator, with when. Cleared when the row is written.
alter table pending_rows add column refused text, add column refused_at timestamptz;

-- A target row with the id of a row still waiting is not that row (the live app wrote it): whether a referenced
-- row is in the target is asked with the ids of waiting rows left out, looked up here.
create index pending_rows_waiting_id on pending_rows (plan, entity, (row_key->>0)) where state = 'waiting';
