package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

// AppendEvent appends an event to the appeal's audit trail.
func (t *Tx) AppendEvent(ctx context.Context, e workflow.AuditEvent) error {
	payload, err := json.Marshal(e.Payload)
	if err != nil {
		return fmt.Errorf("storage: unable to encode audit payload: %w", err)
	}
	_, err = t.tx.Exec(ctx, `
		INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.AppealID, e.At, e.Actor.Kind, e.Actor.UserID, e.Role, e.Event, e.From, e.To, payload)
	if err != nil {
		return fmt.Errorf("storage: unable to append audit event of appeal %d: %w", e.AppealID, mapError(err))
	}
	return nil
}

// FindAppealEvents returns the audit trail of an appeal, oldest first.
func (db *DB) FindAppealEvents(ctx context.Context, appealID int64) ([]workflow.AuditEvent, error) {
	rows, err := db.q(ctx).Query(ctx, `
		SELECT id, appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload
		FROM appeal_events WHERE appeal_id = $1 ORDER BY id`, appealID)
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find events of appeal %d: %w", appealID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (workflow.AuditEvent, error) {
		var e workflow.AuditEvent
		var payload []byte
		if err := row.Scan(&e.ID, &e.AppealID, &e.At, &e.Actor.Kind, &e.Actor.UserID, &e.Role,
			&e.Event, &e.From, &e.To, &payload); err != nil {
			return e, err
		}
		return e, json.Unmarshal(payload, &e.Payload)
	})
	if err != nil {
		return nil, fmt.Errorf("storage: unable to read events of appeal %d: %w", appealID, err)
	}
	return out, nil
}
