-- +goose Up
-- The staff's side: media sent with a card, and the audit of staff actions
-- that are not transitions of an appeal (bindings, invitations, roles,
-- registration of appeals from other channels).

-- Messages holding an appeal's photos and location, sent with its card.
ALTER TABLE cards ADD COLUMN media_ids int[] NOT NULL DEFAULT '{}';

CREATE TABLE staff_actions (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    actor_id  bigint NOT NULL,
    role      text NOT NULL DEFAULT '',
    action    text NOT NULL,
    appeal_id bigint REFERENCES appeals (id),
    chat_id   bigint,
    details   text NOT NULL DEFAULT ''
);
CREATE INDEX staff_actions_appeal ON staff_actions (appeal_id, id) WHERE appeal_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION staff_actions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'staff_actions is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER staff_actions_append_only
    BEFORE UPDATE OR DELETE ON staff_actions
    FOR EACH ROW EXECUTE FUNCTION staff_actions_append_only();

-- +goose Down
DROP TABLE staff_actions;
DROP FUNCTION staff_actions_append_only();
ALTER TABLE cards DROP COLUMN media_ids;
