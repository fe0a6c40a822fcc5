package workflow

import (
	"context"
	"time"
)

// ResidentProfile is a person who writes to the bot: the personal data
// kept apart from appeals (DESIGN §6). A resident exists only after
// consent to personal-data processing (152-ФЗ).
type ResidentProfile struct {
	ID     int64 // residents.id
	UserID int64 // Telegram user id
	ChatID int64 // the private chat with the bot
	Name   string
	Phone  string
	// ConsentAt is when the resident agreed, ConsentVersion to which text.
	ConsentAt      time.Time
	ConsentVersion string
	// BlockedAt is when the resident blocked the bot; zero when not.
	BlockedAt time.Time
}

// Consented reports whether the resident has agreed to personal-data
// processing.
func (r *ResidentProfile) Consented() bool { return r != nil && !r.ConsentAt.IsZero() }

// Consent is a resident's agreement to personal-data processing.
type Consent struct {
	UserID  int64
	ChatID  int64
	Name    string
	Version string // the version of the consent text shown
	At      time.Time
}

// SubmitIn is Submit inside a transaction the caller runs, so that the
// caller's own writes (ending the resident's intake dialog) commit or roll
// back with the appeal.
func (s *Service) SubmitIn(ctx context.Context, tx Tx, actor Actor, n NewAppeal) (*Appeal, error) {
	return s.submit(ctx, tx, actor, n)
}

// ApplyIn is Apply inside a transaction the caller runs: it locks the
// appeal and fires cmd. The caller's transaction decides whether it
// commits.
func (s *Service) ApplyIn(ctx context.Context, tx Tx, cmd Command) (*Appeal, error) {
	a, err := tx.LockAppeal(ctx, cmd.AppealID)
	if err != nil {
		return nil, err
	}
	if err := s.apply(ctx, tx, a, cmd); err != nil {
		return nil, err
	}
	return a, nil
}
