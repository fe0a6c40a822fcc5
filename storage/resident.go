package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"mcu/workflow"
)

const residentColumns = `id, coalesce(telegram_user_id, 0), coalesce(chat_id, 0), name, phone,
	consent_at, consent_version, blocked_at`

func scanResident(row pgx.Row) (*workflow.ResidentProfile, error) {
	var r workflow.ResidentProfile
	var consent, blocked *time.Time
	if err := row.Scan(&r.ID, &r.UserID, &r.ChatID, &r.Name, &r.Phone, &consent, &r.ConsentVersion, &blocked); err != nil {
		return nil, err
	}
	r.ConsentAt, r.BlockedAt = deref(consent), deref(blocked)
	return &r, nil
}

// FindResident returns the resident with a Telegram user id, or a
// not-found error (there is no row before consent).
func (db *DB) FindResident(ctx context.Context, userID int64) (*workflow.ResidentProfile, error) {
	r, err := scanResident(db.q(ctx).QueryRow(ctx, `SELECT `+residentColumns+` FROM residents WHERE telegram_user_id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENotFound, "no resident with user id %d", userID)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: unable to find resident: %w", err)
	}
	return r, nil
}

// UnblockResident records that a resident writes again from chatID: a
// resident who had blocked the bot gets messages again.
func (db *DB) UnblockResident(ctx context.Context, userID, chatID int64) error {
	_, err := db.q(ctx).Exec(ctx, `
		UPDATE residents SET blocked_at = NULL, chat_id = $2
		WHERE telegram_user_id = $1 AND (blocked_at IS NOT NULL OR chat_id IS DISTINCT FROM $2)`, userID, chatID)
	if err != nil {
		return fmt.Errorf("storage: unable to unblock resident: %w", err)
	}
	return nil
}

// GiveConsent records a resident's consent, creating the resident. It
// reports whether the consent is new: a second consent changes nothing
// (the first time and text version stay).
func (db *DB) GiveConsent(ctx context.Context, c workflow.Consent) (*workflow.ResidentProfile, bool, error) {
	var out *workflow.ResidentProfile
	created := false
	err := db.InTxStore(ctx, func(ctx context.Context, t *Tx) error {
		r, err := scanResident(t.tx.QueryRow(ctx, `
			INSERT INTO residents (telegram_user_id, chat_id, name) VALUES ($1, $2, $3)
			ON CONFLICT (telegram_user_id) DO UPDATE SET chat_id = excluded.chat_id, blocked_at = NULL
			RETURNING `+residentColumns, c.UserID, c.ChatID, c.Name))
		if err != nil {
			return fmt.Errorf("storage: unable to save resident: %w", mapError(err))
		}
		if r.Consented() {
			out = r
			return nil
		}
		r, err = scanResident(t.tx.QueryRow(ctx, `
			UPDATE residents SET consent_at = $2, consent_version = $3, name = $4 WHERE id = $1
			RETURNING `+residentColumns, r.ID, c.At, c.Version, c.Name))
		if err != nil {
			return fmt.Errorf("storage: unable to record consent: %w", mapError(err))
		}
		out, created = r, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// FindResidentAppeals returns a page of a resident's appeals, newest
// first, and how many there are in all.
func (db *DB) FindResidentAppeals(ctx context.Context, residentID int64, limit, offset int) ([]*workflow.Appeal, int, error) {
	if residentID == 0 {
		return nil, 0, workflow.Errorf(workflow.EInvalid, "no resident")
	}
	return db.FindAppeals(ctx, AppealFilter{ResidentID: residentID, Limit: limit, Offset: offset})
}
