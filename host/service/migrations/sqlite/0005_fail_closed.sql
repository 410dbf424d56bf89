-- Fail closed: a provisioning job that fails is undone by a compensation job
-- of its own, and a redrive after that runs every step again under fresh
-- idempotency keys. Same portable conventions as 0001.

-- The job this job undoes; NULL for every job that is not a compensation.
ALTER TABLE jobs ADD COLUMN compensates TEXT REFERENCES jobs(id);
-- How many times the job was run again from its first step (a redrive after
-- its compensation); part of its steps' idempotency keys.
ALTER TABLE jobs ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_compensated ON jobs (compensates);

-- A `warning` attachment keeps its text in attachments.note (0001).
