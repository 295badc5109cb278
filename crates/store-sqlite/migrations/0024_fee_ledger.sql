-- The fee ledger (收费台账, issue 19, finding 6): one row per payment under the receipt the
-- platform issued it from the center's counter, and one per refund naming the receipt it returns
-- money from. Written in the transaction of the case event it records, so the ledger and the
-- cases never disagree; append-only like the log. The daily receipt report (收费日报) and the
-- reconciliation read it.
CREATE TABLE fee_ledger (
    case_number TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    center      TEXT NOT NULL,
    day         TEXT NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    receipt_no  TEXT NOT NULL,
    paper_no    TEXT,
    amount_fen  INTEGER NOT NULL,
    method      TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    item_name   TEXT NOT NULL,
    department  TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (case_number, seq)
);
-- A receipt is issued to one payment; a paper receipt number is recorded once.
CREATE UNIQUE INDEX fee_ledger_receipt_no_uq ON fee_ledger (receipt_no) WHERE kind = 'payment';
CREATE UNIQUE INDEX fee_ledger_paper_no_uq ON fee_ledger (paper_no) WHERE kind = 'payment' AND paper_no IS NOT NULL;
CREATE INDEX fee_ledger_center_day_idx ON fee_ledger (center, day);
CREATE TRIGGER fee_ledger_no_update BEFORE UPDATE ON fee_ledger
BEGIN
    SELECT RAISE(ABORT, 'fee_ledger is append-only');
END;
CREATE TRIGGER fee_ledger_no_delete BEFORE DELETE ON fee_ledger
BEGIN
    SELECT RAISE(ABORT, 'fee_ledger is append-only');
END;

-- Receipt numbers taken from the counter whose payment was then not recorded (作废), with why:
-- a number missing from the ledger is explained here or flagged by the reconciliation.
CREATE TABLE void_receipts (
    receipt_no TEXT NOT NULL PRIMARY KEY,
    center     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE TRIGGER void_receipts_no_update BEFORE UPDATE ON void_receipts
BEGIN
    SELECT RAISE(ABORT, 'void_receipts is append-only');
END;
CREATE TRIGGER void_receipts_no_delete BEFORE DELETE ON void_receipts
BEGIN
    SELECT RAISE(ABORT, 'void_receipts is append-only');
END;
