package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Service applies commands to appeals. Its zero value is not usable: set
// Store, Calendar and Location (Now defaults to time.Now).
type Service struct {
	Store    Store
	Calendar Workdays
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
	// Admins are bootstrap admins (MCU_ADMIN_IDS): they hold the admin
	// role without a row in the database.
	Admins []int64
	// AppealsPerHour limits the new appeals one resident may submit in an
	// hour; 0 turns the limit off.
	AppealsPerHour int
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// GrantFinder finds the roles a staff member holds in the database; Tx
// and the store's read side implement it.
type GrantFinder interface {
	FindGrants(ctx context.Context, userID int64) ([]Grant, error)
}

// Grants returns the roles of a staff member, bootstrap admin included.
func (s *Service) Grants(ctx context.Context, from GrantFinder, userID int64) ([]Grant, error) {
	return grantsWithAdmins(ctx, from, s.Admins, userID)
}

// grantsWithAdmins returns the roles of a staff member found in the
// database, plus admin for a bootstrap admin. Service.Grants and the
// staff service both use it.
func grantsWithAdmins(ctx context.Context, from GrantFinder, admins []int64, userID int64) ([]Grant, error) {
	grants, err := from.FindGrants(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("find grants of %d: %w", userID, err)
	}
	if slices.Contains(admins, userID) {
		grants = append(grants, Grant{Role: RoleAdmin})
	}
	return grants, nil
}

// Apply fires cmd.Event on the appeal in one transaction: it locks the
// appeal, checks the actor's role and the version, fires the event, writes
// the new state, appends an audit event and enqueues the notifications.
// It returns the appeal as changed. Nothing is changed when it fails.
func (s *Service) Apply(ctx context.Context, cmd Command) (*Appeal, error) {
	var out *Appeal
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		out, err = s.ApplyIn(ctx, tx, cmd)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply %s to appeal %d: %w", cmd.Event, cmd.AppealID, err)
	}
	return out, nil
}

// apply fires cmd on the locked appeal a, changing it in place.
func (s *Service) apply(ctx context.Context, tx Tx, a *Appeal, cmd Command) error {
	var grants []Grant
	if cmd.Actor.Kind == ActorStaff {
		var err error
		if grants, err = s.Grants(ctx, tx, cmd.Actor.UserID); err != nil {
			return err
		}
	}
	role, err := Authorize(cmd.Event, cmd.Actor, grants, a)
	if err != nil {
		return err
	}
	if cmd.Version != 0 && cmd.Version != a.Version {
		return &Error{Code: EConflict, Message: fmt.Sprintf(
			"appeal %d changed (version %d, not %d): now %s", a.ID, a.Version, cmd.Version, a.State)}
	}
	to, ok := Next(a.State, cmd.Event)
	if !ok {
		return Errorf(EInvalid, "cannot %s appeal %d in state %s", cmd.Event, a.ID, a.State)
	}
	now := s.now()
	from, prevDirection := a.State, a.Direction
	if err := s.effect(ctx, tx, a, &cmd, now); err != nil {
		return err
	}
	a.State = to
	a.Version++
	a.UpdatedAt = now
	if err := tx.UpdateAppeal(ctx, a); err != nil {
		return fmt.Errorf("update appeal: %w", err)
	}
	if err := tx.AppendEvent(ctx, AuditEvent{
		AppealID: a.ID, At: now, Actor: cmd.Actor, Role: role,
		Event: cmd.Event, From: from, To: to, Payload: cmd.Input,
	}); err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	if err := tx.Enqueue(ctx, notifications(a, cmd, from, prevDirection)...); err != nil {
		return fmt.Errorf("enqueue notifications: %w", err)
	}
	s.logger().InfoContext(ctx, "appeal changed", "appeal_id", a.ID, "event", cmd.Event,
		"from", from, "to", to, "actor_kind", cmd.Actor.Kind, "actor_id", cmd.Actor.UserID, "role", role)
	return nil
}
