-- +goose Up
-- The dispatcher claims due messages in batches: a claim leases each
-- message (claimed_until) in a short transaction of its own, the message
-- is sent outside any transaction, and its outcome is recorded with
-- others' in one transaction (which ends the lease). A leased message is
-- not claimed again until its lease ends, which the sender renews while
-- the message is in flight; so a sender that died leaves its messages
-- to the next one after the lease, not forever. The head of a chat's
-- queue that is leased still holds the chat, so its messages keep their
-- order.
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;

-- +goose Down
ALTER TABLE outbox DROP COLUMN claimed_until;
