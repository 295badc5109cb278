-- yizhan schema, version 4: ratings (好差评), their follow-ups, and complaints, petitions and reports
-- (投诉, 信访, 举报), §9. Names follow 0001's header; the PostgreSQL twin has the same names.

-- One rating per case per channel: the unique index is the rule, so two tablets racing cannot both
-- rate. The unit (deciding place and department) is copied from the case for scoped lists.
CREATE TABLE ratings (
    id           INTEGER NOT NULL PRIMARY KEY,
    case_number  TEXT NOT NULL REFERENCES cases (number),
    channel      TEXT NOT NULL,
    level        TEXT NOT NULL,
    comment      TEXT NOT NULL,
    rated_at     TEXT NOT NULL,
    unit_region  TEXT NOT NULL,
    department   TEXT NOT NULL,
    CONSTRAINT ratings_channel_ck CHECK (channel IN ('online', 'window_tablet', 'sms_link')),
    CONSTRAINT ratings_level_ck CHECK (level IN ('very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied'))
);
CREATE UNIQUE INDEX ratings_case_channel_uq ON ratings (case_number, channel);
CREATE INDEX ratings_unit_region_idx ON ratings (unit_region, rated_at);

-- The follow-up a bad rating opens (at most one per rating); its history is a short list read and
-- written with it.
CREATE TABLE follow_ups (
    id           INTEGER NOT NULL PRIMARY KEY,
    rating_id    INTEGER NOT NULL REFERENCES ratings (id),
    case_number  TEXT NOT NULL REFERENCES cases (number),
    level        TEXT NOT NULL,
    unit_region  TEXT NOT NULL,
    department   TEXT NOT NULL,
    opened_on    TEXT NOT NULL,
    due          TEXT NOT NULL,
    status       TEXT NOT NULL,
    appealed     INTEGER NOT NULL,
    report       TEXT NOT NULL,
    history_json TEXT NOT NULL,
    version      INTEGER NOT NULL,
    CONSTRAINT follow_ups_status_ck CHECK (status IN ('open', 'contacted', 'verified', 'rectified', 'closed', 'appealed'))
);
CREATE UNIQUE INDEX follow_ups_rating_id_uq ON follow_ups (rating_id);
CREATE INDEX follow_ups_unit_region_idx ON follow_ups (unit_region, due);
CREATE INDEX follow_ups_case_number_idx ON follow_ups (case_number);

-- Complaints, petitions and reports. The complainant's name and phone are NULL on an anonymous
-- report; the follow code is unique and is the complainant's only key.
CREATE TABLE complaints (
    id                INTEGER NOT NULL PRIMARY KEY,
    code              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    subject           TEXT NOT NULL,
    subject_ref       TEXT NOT NULL,
    case_number       TEXT NULL REFERENCES cases (number),
    unit_region       TEXT NOT NULL,
    department        TEXT NULL,
    body              TEXT NOT NULL,
    complainant_name  TEXT NULL,
    complainant_phone TEXT NULL,
    filed_at          TEXT NOT NULL,
    filed_on          TEXT NOT NULL,
    accept_due        TEXT NOT NULL,
    answer_days       INTEGER NOT NULL,
    accepted_on       TEXT NULL,
    answer_due        TEXT NULL,
    status            TEXT NOT NULL,
    reply             TEXT NOT NULL,
    history_json      TEXT NOT NULL,
    version           INTEGER NOT NULL,
    CONSTRAINT complaints_kind_ck CHECK (kind IN ('complaint', 'petition', 'report')),
    CONSTRAINT complaints_subject_ck CHECK (subject IN ('case', 'window', 'person', 'department')),
    CONSTRAINT complaints_status_ck CHECK (status IN ('received', 'accepted', 'declined', 'answered'))
);
CREATE UNIQUE INDEX complaints_code_uq ON complaints (code);
CREATE INDEX complaints_unit_region_idx ON complaints (unit_region, filed_at);
CREATE INDEX complaints_case_number_idx ON complaints (case_number);
