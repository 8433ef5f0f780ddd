-- The restoration estimate each timeline entry published, the model's score of the time it
-- announced (both JSON, NULL when absent), and, on automatic entries, the promise whose
-- passing they report.
ALTER TABLE incident_updates ADD COLUMN estimate TEXT;
ALTER TABLE incident_updates ADD COLUMN announced_chance TEXT;
ALTER TABLE incident_updates ADD COLUMN missed_at INTEGER;
