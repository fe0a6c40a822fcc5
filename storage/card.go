package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"mcu/outbox"
	"mcu/workflow"
)

// FindCard returns the appeal with registration number YYYY-NNNNNN and
// what its card shows besides (the latest history with staff names, the
// executor's name, the draft's evidence, the contact of a citizen from
// another channel), in the form the dispatcher renders a card from: an
// outbox.Message with no outbox row behind it. A staff member opens it
// from the digest's buttons.
func (db *DB) FindCard(ctx context.Context, number string) (outbox.Message, error) {
	year, seq, err := workflow.ParseNumber(number)
	if err != nil {
		return outbox.Message{}, err
	}
	var m outbox.Message
	err = pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(ptx pgx.Tx) error {
			a, err := scanAppeal(ptx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.year = $1 AND a.seq = $2`, year, seq))
			if err != nil {
				return err
			}
			if a.Attachments, err = findAttachments(ctx, ptx, a.ID, workflow.PurposeAppeal); err != nil {
				return err
			}
			m.Appeal = a
			return (&Tx{tx: ptx, similarWindow: db.similarWindow, db: db, woke: new(bool)}).loadCardContext(ctx, &m)
		})
	if errors.Is(err, pgx.ErrNoRows) {
		return outbox.Message{}, workflow.Errorf(workflow.ENotFound, "appeal %s not found", number)
	}
	if err != nil {
		return outbox.Message{}, fmt.Errorf("storage: unable to find the card of %s: %w", number, err)
	}
	return m, nil
}
