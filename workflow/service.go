package workflow

import (
	"context"
	"errors"
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
	// Observer, when set, is told of every event applied or refused
	// (metrics).
	Observer Observer
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

// ApplyIn is Apply inside a transaction the caller runs: it locks the
// appeal and fires cmd. The caller's transaction decides whether it
// commits.
func (s *Service) ApplyIn(ctx context.Context, tx Tx, cmd Command) (*Appeal, error) {
	a, err := tx.LockAppeal(ctx, cmd.AppealID)
	if err != nil {
		s.observe(cmd.Event, err)
		return nil, err
	}
	if err := s.apply(ctx, tx, a, cmd); err != nil {
		return nil, err
	}
	return a, nil
}

// SubmitIn is Submit inside a transaction the caller runs, so that the
// caller's own writes (ending the resident's intake dialog) commit or roll
// back with the appeal.
func (s *Service) SubmitIn(ctx context.Context, tx Tx, actor Actor, n NewAppeal) (*Appeal, error) {
	return s.submit(ctx, tx, actor, n)
}

// Check reports, changing nothing, whether cmd.Actor may fire cmd.Event
// now on the appeal as it is, having seen cmd.Version: the checks of Apply
// that need no input (the actor's role, the version, the state and the
// state's guards), made by the same code. It returns the appeal as it is.
// A button that opens a menu or a prompt calls it, so that a refusal comes
// at the press; Apply checks everything again when the input comes. Check
// runs in a transaction that it rolls back.
func (s *Service) Check(ctx context.Context, cmd Command) (*Appeal, error) {
	var out *Appeal
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		a, err := tx.LockAppeal(ctx, cmd.AppealID)
		if err != nil {
			return err
		}
		if _, _, err := s.allow(ctx, tx, a, cmd); err != nil {
			return err
		}
		out = a
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("check %s on appeal %d: %w", cmd.Event, cmd.AppealID, err)
	}
	return out, nil
}

// DeadlineRule returns the deadline rule of a kind in a direction (""
// for the kind's default), as registration applies it; /help tells the
// resident the message rule. Like Check, it reads in a transaction that it
// rolls back, so that it records nothing (not the update being handled).
func (s *Service) DeadlineRule(ctx context.Context, kind Kind, direction string) (DeadlineRule, error) {
	var r DeadlineRule
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if r, err = tx.FindDeadlineRule(ctx, kind, direction); err != nil {
			return err
		}
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return DeadlineRule{}, fmt.Errorf("deadline rule of %s in %q: %w", kind, direction, err)
	}
	return r, nil
}

// dryRun is the error with which Check ends its transaction, so that the
// store rolls it back.
type dryRun string

// Error implements the error interface.
func (e dryRun) Error() string { return string(e) }

const errDryRun dryRun = "workflow: dry run, rolled back"

// allow decides whether cmd.Actor may fire cmd.Event on the locked appeal
// a as it is, before any input is looked at: the actor's role (staff
// grants loaded in tx), the version the actor saw, the transition table
// and the guards of a's state. It returns the role the actor acts in and
// the state the event leads to. Apply and Check both decide here.
func (s *Service) allow(ctx context.Context, tx Tx, a *Appeal, cmd Command) (Role, State, error) {
	var grants []Grant
	if cmd.Actor.Kind == ActorStaff {
		var err error
		if grants, err = s.Grants(ctx, tx, cmd.Actor.UserID); err != nil {
			return "", "", err
		}
	}
	role, err := Authorize(cmd.Event, cmd.Actor, grants, a)
	if err != nil {
		return "", "", err
	}
	if cmd.Version != 0 && cmd.Version != a.Version {
		return "", "", &Error{Code: EConflict, Message: fmt.Sprintf(
			"appeal %d changed (version %d, not %d): now %s", a.ID, a.Version, cmd.Version, a.State)}
	}
	to, ok := Next(a.State, cmd.Event)
	if !ok {
		return "", "", Errorf(EInvalid, "cannot %s appeal %d in state %s", cmd.Event, a.ID, a.State)
	}
	if err := Guard(a, cmd.Event, s.now()); err != nil {
		return "", "", err
	}
	return role, to, nil
}

// Guard refuses at now an event that the transition table allows in a's
// state but a itself does not, whoever fires it: what no input can change.
// It returns nil when a takes e as far as a is concerned (the actor's role,
// the version and the state are Service.Check's). A card asks it before
// offering a button, and Service.Check and Apply decide with it.
//
// An extension is refused once the deadline has passed: 59-ФЗ art. 12
// part 2 extends a term that is running, with the citizen told before it
// ends (the error wraps ErrDeadlinePassed).
func Guard(a *Appeal, e Event, now time.Time) error {
	switch e {
	case EventAskResident:
		if a.ResidentID == 0 {
			return Errorf(EInvalid, "appeal %d has no resident in Telegram to ask", a.ID)
		}
	case EventExtend:
		if a.Extended {
			return Errorf(EInvalid, "appeal %d deadline was already extended", a.ID)
		}
		if !a.DueAt.IsZero() && now.After(a.DueAt) {
			return &Error{Code: EInvalid, Message: fmt.Sprintf("appeal %d was due %s", a.ID, a.DueAt.Format(time.RFC3339)),
				Err: ErrDeadlinePassed}
		}
	case EventResidentCommented:
		if a.ReopenCount == 0 || (a.Solved != SolvedNo && a.Solved != SolvedPartly) {
			return Errorf(EInvalid, "appeal %d has no reopening by its resident to comment on", a.ID)
		}
	case EventRate:
		if a.Rating != 0 {
			return Errorf(EInvalid, "appeal %d is already rated", a.ID)
		}
	case EventJoinIncident:
		if a.IncidentID != 0 {
			return Errorf(EInvalid, "appeal %d is already in incident %d", a.ID, a.IncidentID)
		}
		if a.Direction == "" {
			return Errorf(EInvalid, "appeal %d has no direction", a.ID)
		}
	case EventLeaveIncident, EventAnswerIncident:
		if a.IncidentID == 0 {
			return Errorf(EInvalid, "appeal %d is in no incident", a.ID)
		}
	case EventSubmitDraft, EventApprove:
		// An appeal in an incident gets the incident's one answer.
		if a.IncidentID != 0 {
			return Errorf(EInvalid, "appeal %d is in incident %d, answered with it", a.ID, a.IncidentID)
		}
	}
	return nil
}

// apply fires cmd on the locked appeal a, changing it in place, and
// tells the Observer what became of it.
func (s *Service) apply(ctx context.Context, tx Tx, a *Appeal, cmd Command) (err error) {
	defer func() { s.observe(cmd.Event, err) }()
	role, to, err := s.allow(ctx, tx, a, cmd)
	if err != nil {
		return err
	}
	now := s.now()
	from, prevDirection := a.State, a.Direction
	if err := s.effect(ctx, tx, a, &cmd, now); err != nil {
		return err
	}
	detached := leavesIncident(a, cmd.Event)
	if detached != 0 {
		a.IncidentID = 0
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
	if detached != 0 {
		if err := s.recordDetached(ctx, tx, a, cmd, role, detached, prevDirection, now); err != nil {
			return err
		}
	}
	s.logger().InfoContext(ctx, "appeal changed", "appeal_id", a.ID, "event", cmd.Event,
		"from", from, "to", to, "actor_kind", cmd.Actor.Kind, "actor_id", loggedActor(cmd.Actor), "role", role)
	return nil
}

// loggedActor is the Telegram id of a staff member as the log names them;
// a resident's (a person's own) stays out of the log: 0, the appeal_id
// beside it finds them.
func loggedActor(a Actor) int64 {
	if a.Kind == ActorResident {
		return 0
	}
	return a.UserID
}
