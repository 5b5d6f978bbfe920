-- The ledger's invariants, enforced by PostgreSQL whatever writes to it (the services, the
-- admin, a shell, a psql session).
--
-- 1. Append-only: an entry is never updated or deleted; a transaction is never updated or
--    deleted either, except that deleting a user nulls `created_by_id` / `validated_by_id`
--    (ON DELETE SET NULL done by Django): erasure on request must stay possible. TRUNCATE
--    is a statement-level operation these row triggers do not see: test databases are
--    still emptied by a flush.
-- 2. Balanced: at commit, every transaction has at least two entries, they sum to zero,
--    and every account they touch belongs to the transaction's exchange. The check is a
--    DEFERRABLE INITIALLY DEFERRED constraint trigger, so that a transaction and its entries
--    are written by several statements and checked once, when they are all there.
-- 3. A reversal reverses a transaction of its own exchange that is not itself a reversal
--    (at most once: credits_transaction.reverses_id is UNIQUE).

CREATE OR REPLACE FUNCTION credits_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Nested, not ANDed: NEW.created_by_id exists on transactions only, and PL/pgSQL
    -- plans an expression when it first runs it.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'credits_transaction' THEN
        IF (NEW.created_by_id IS NULL OR NEW.created_by_id = OLD.created_by_id)
           AND (NEW.validated_by_id IS NULL OR NEW.validated_by_id = OLD.validated_by_id)
           AND (to_jsonb(NEW) - 'created_by_id' - 'validated_by_id')
               = (to_jsonb(OLD) - 'created_by_id' - 'validated_by_id') THEN
            RETURN NEW;  -- a deleted user's name taken off: the erasure the ledger allows
        END IF;
    END IF;
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused (post a reversing transaction)',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

DROP TRIGGER IF EXISTS credits_entry_append_only ON credits_entry;
CREATE TRIGGER credits_entry_append_only
    BEFORE UPDATE OR DELETE ON credits_entry
    FOR EACH ROW EXECUTE FUNCTION credits_refuse_change();

DROP TRIGGER IF EXISTS credits_transaction_append_only ON credits_transaction;
CREATE TRIGGER credits_transaction_append_only
    BEFORE UPDATE OR DELETE ON credits_transaction
    FOR EACH ROW EXECUTE FUNCTION credits_refuse_change();


CREATE OR REPLACE FUNCTION credits_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    checked bigint;
    entries integer;
    total numeric;
    foreign_accounts integer;
BEGIN
    -- Each branch is planned only when it runs: NEW is an entry or a transaction.
    IF TG_TABLE_NAME = 'credits_entry' THEN
        checked := NEW.transaction_id;
    ELSE
        checked := NEW.id;
    END IF;
    SELECT count(*), coalesce(sum(e.amount), 0), count(*) FILTER (WHERE a.exchange_id <> t.exchange_id)
      INTO entries, total, foreign_accounts
      FROM credits_transaction t
      LEFT JOIN credits_entry e ON e.transaction_id = t.id
      LEFT JOIN credits_account a ON a.id = e.account_id
     WHERE t.id = checked;
    IF entries < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'unbalanced ledger transaction %: % entries summing to %', checked, entries, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF foreign_accounts > 0 THEN
        RAISE EXCEPTION 'ledger transaction % has entries on accounts of another exchange', checked
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS credits_transaction_balanced ON credits_transaction;
CREATE CONSTRAINT TRIGGER credits_transaction_balanced
    AFTER INSERT ON credits_transaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credits_check_balanced();

DROP TRIGGER IF EXISTS credits_entry_balanced ON credits_entry;
CREATE CONSTRAINT TRIGGER credits_entry_balanced
    AFTER INSERT ON credits_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION credits_check_balanced();


CREATE OR REPLACE FUNCTION credits_check_reversal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reverses_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM credits_transaction r
         WHERE r.id = NEW.reverses_id AND r.exchange_id = NEW.exchange_id AND r.kind <> 'reversal'
    ) THEN
        RAISE EXCEPTION 'transaction % cannot reverse transaction % (a reversal, or another exchange)',
            NEW.id, NEW.reverses_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS credits_transaction_reversal ON credits_transaction;
CREATE TRIGGER credits_transaction_reversal
    BEFORE INSERT ON credits_transaction
    FOR EACH ROW EXECUTE FUNCTION credits_check_reversal();
