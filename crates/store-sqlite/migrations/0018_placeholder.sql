-- Placeholder: 0018 belongs to another branch of issue 17 (the migration numbers must run without
-- gaps). Delete this file when that branch's 0018 is merged.
SELECT 1;
