package workflow

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Directions and deadline rules as an admin edits them in Telegram: the
// rules of what may be changed live here, the store only reads and
// writes.

// DirectionStore is what editing directions and deadline rules reads and
// writes inside a staff transaction.
type DirectionStore interface {
	// AddDirection adds a direction, last in order; added is false when
	// the code is taken.
	AddDirection(ctx context.Context, code, name string) (added bool, err error)
	// RenameDirection renames a direction; found is false when there is
	// no such direction.
	RenameDirection(ctx context.Context, code, name string) (found bool, err error)
	// SetDirectionActive turns a direction on or off; found is false
	// when there is no such direction.
	SetDirectionActive(ctx context.Context, code string, active bool) (found bool, err error)
	// CountOpenAppeals returns how many appeals of a direction are not
	// finished (closed, rejected, redirected or withdrawn).
	CountOpenAppeals(ctx context.Context, direction string) (int, error)
	// SaveDeadlineRule sets the rule of a kind in a direction ("" for
	// the kind's default), keeping its NonWorking when it had one.
	SaveDeadlineRule(ctx context.Context, kind Kind, direction string, r DeadlineRule) error
	// DeleteDeadlineRule deletes a direction's own rule of a kind; found
	// is false when it had none.
	DeleteDeadlineRule(ctx context.Context, kind Kind, direction string) (found bool, err error)
}

// DeadlineSetting is a deadline rule where it applies: to a kind, in a
// direction, or ("") by default.
type DeadlineSetting struct {
	Kind      Kind
	Direction string
	Rule      DeadlineRule
}

// Errors of editing directions and deadlines; compare with errors.Is.
var (
	// ErrDirectionCode: not 2–32 characters a–z, 0–9 and _ starting with
	// a letter, or a /bind target of its own.
	ErrDirectionCode = &Error{Code: EInvalid, Message: "bad direction code"}
	// ErrDirectionName: empty, or longer than MaxDirectionNameRunes.
	ErrDirectionName = &Error{Code: EInvalid, Message: "bad direction name"}
	// ErrNoDirection: no direction has the code (no active one, for a
	// deadline).
	ErrNoDirection = &Error{Code: EInvalid, Message: "no such direction"}
	// ErrDeadlineAmount: a unit other than workdays, days or hours, or
	// an amount beyond its limits.
	ErrDeadlineAmount = &Error{Code: EInvalid, Message: "bad deadline"}
	// ErrDeadline59: a 59-FZ appeal's deadline beyond its 30 days, or in
	// working days.
	ErrDeadline59 = &Error{Code: EInvalid, Message: "appeal59 deadline beyond 30 days (59-FZ art. 12)"}
	// ErrDirectionTaken: a direction with the code exists already.
	ErrDirectionTaken = &Error{Code: EConflict, Message: "direction code taken"}
	// ErrNoOwnDeadline: the direction has no deadline of its own to drop.
	ErrNoOwnDeadline = &Error{Code: ENotFound, Message: "no deadline of the direction's own"}
)

var directionCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

// MaxDirectionNameRunes bounds a direction's name: a button's width on a
// phone, a line of the card.
const MaxDirectionNameRunes = 100

// deadlineLimits are the longest rules an admin may set, by unit: a
// deadline beyond them is a typo, not a policy.
var deadlineLimits = map[string]int{UnitWorkdays: 60, UnitDays: 90, UnitHours: 720}

// CheckDirection checks a direction's code and name: a code of 2–32
// lower-case Latin letters, digits and _, starting with a letter, other
// than what /bind takes besides directions; a name of 1–100 characters.
func CheckDirection(code, name string) error {
	if !directionCode.MatchString(code) || slices.Contains([]string{BindTriage, BindHead, BindLeader, BindChannel, BindDirection}, code) {
		return fmt.Errorf("%q: %w", code, ErrDirectionCode)
	}
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxDirectionNameRunes {
		return fmt.Errorf("%d characters: %w", n, ErrDirectionName)
	}
	return nil
}

// CheckDeadlineRule checks a rule an admin sets for kind: a known unit,
// an amount from 1 to the unit's limit (60 working days, 90 days, 720
// hours), and for a 59-ФЗ appeal no more than its 30 days (art. 12):
// days or hours only, since 20 working days can run past 30 days over
// the New Year holidays.
func CheckDeadlineRule(kind Kind, r DeadlineRule) error {
	if !kind.Valid() {
		return Errorf(EInvalid, "unknown kind %q", kind)
	}
	if limit, ok := deadlineLimits[r.Unit]; !ok || r.Amount < 1 || r.Amount > limit {
		return fmt.Errorf("%d %q: %w", r.Amount, r.Unit, ErrDeadlineAmount)
	}
	if kind == KindAppeal59 && (r.Unit == UnitWorkdays || (r.Unit == UnitDays && r.Amount > 30)) {
		return fmt.Errorf("%d %s: %w", r.Amount, r.Unit, ErrDeadline59)
	}
	return nil
}

// editDirections runs fn as an admin's change of directions or deadlines
// in one staff transaction, recording action with details in the staff
// audit trail.
func (s *StaffService) editDirections(ctx context.Context, by Caller, action, details string, fn func(ctx context.Context, tx StaffTx) error) error {
	err := s.inTx(ctx, func(ctx context.Context, tx StaffTx) error {
		role, err := s.admin(ctx, tx, by.UserID)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return tx.RecordStaffAction(ctx, StaffAction{
			At: s.now(), ActorID: by.UserID, Role: role, Action: action, ChatID: by.ChatID, Details: details,
		})
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, details, err)
	}
	s.logger().InfoContext(ctx, "directions edited", "action", action, "details", details, "by", by.UserID)
	return nil
}

// AddDirection adds a direction, last in the residents' list; a code
// taken already is refused (ErrDirectionTaken). Admins only.
func (s *StaffService) AddDirection(ctx context.Context, by Caller, code, name string) error {
	return s.saveDirection(ctx, by, "add", code, name, StaffTx.AddDirection, ErrDirectionTaken)
}

// RenameDirection renames a direction (ErrNoDirection when there is
// none). Admins only.
func (s *StaffService) RenameDirection(ctx context.Context, by Caller, code, name string) error {
	return s.saveDirection(ctx, by, "rename", code, name, StaffTx.RenameDirection, ErrNoDirection)
}

// saveDirection checks code and name and has save store them (verb in the
// audit trail); a save that did nothing is refused with why.
func (s *StaffService) saveDirection(ctx context.Context, by Caller, verb, code, name string,
	save func(tx StaffTx, ctx context.Context, code, name string) (bool, error), why error) error {
	if err := CheckDirection(code, name); err != nil {
		return err
	}
	return s.editDirections(ctx, by, ActionDirection, code+" "+verb+" "+name, func(ctx context.Context, tx StaffTx) error {
		done, err := save(tx, ctx, code, name)
		return refusedUnless(done, err, why, strconv.Quote(code))
	})
}

// refusedUnless is err, or when a store's change did nothing (done
// false) the refusal why about what.
func refusedUnless(done bool, err error, why error, what string) error {
	if err == nil && !done {
		return fmt.Errorf("%s: %w", what, why)
	}
	return err
}

// SetDirectionActive turns a direction off — residents no longer choose
// it, /bind and /invite refuse it — or on again. Off is refused while the
// direction has appeals not finished, an answered one included (a
// «не решено» would bring it back): a conflict naming how many. Admins
// only.
func (s *StaffService) SetDirectionActive(ctx context.Context, by Caller, code string, active bool) error {
	details := code + " off"
	if active {
		details = code + " on"
	}
	return s.editDirections(ctx, by, ActionDirection, details, func(ctx context.Context, tx StaffTx) error {
		if !active {
			n, err := tx.CountOpenAppeals(ctx, code)
			if err != nil {
				return err
			}
			if n > 0 {
				return &Error{Code: EConflict, Message: fmt.Sprintf("direction %q has %d open appeals", code, n), Err: &OpenAppealsError{Count: n}}
			}
		}
		found, err := tx.SetDirectionActive(ctx, code, active)
		return refusedUnless(found, err, ErrNoDirection, strconv.Quote(code))
	})
}

// OpenAppealsError is why a direction cannot be turned off: how many of
// its appeals wait for an answer.
type OpenAppealsError struct{ Count int }

func (e *OpenAppealsError) Error() string { return fmt.Sprintf("%d open appeals", e.Count) }

// SetDeadlineRule sets the deadline of kind in direction ("" for the
// kind's default; an active direction otherwise). Appeals registered
// from then on get it; those registered keep theirs. Admins only.
func (s *StaffService) SetDeadlineRule(ctx context.Context, by Caller, kind Kind, direction string, r DeadlineRule) error {
	if err := CheckDeadlineRule(kind, r); err != nil {
		return err
	}
	details := fmt.Sprintf("%s %s %d %s", kind, direction, r.Amount, r.Unit)
	return s.editDirections(ctx, by, ActionDeadline, details, func(ctx context.Context, tx StaffTx) error {
		if direction != "" {
			if err := knownDirection(ctx, tx, direction); err != nil {
				return err
			}
		}
		return tx.SaveDeadlineRule(ctx, kind, direction, r)
	})
}

// DropDeadlineRule deletes a direction's own deadline of kind: its
// appeals then get the kind's default. Admins only.
func (s *StaffService) DropDeadlineRule(ctx context.Context, by Caller, kind Kind, direction string) error {
	if !kind.Valid() {
		return Errorf(EInvalid, "unknown kind %q", kind)
	}
	return s.editDirections(ctx, by, ActionDeadline, fmt.Sprintf("%s %s default", kind, direction), func(ctx context.Context, tx StaffTx) error {
		found, err := tx.DeleteDeadlineRule(ctx, kind, direction)
		return refusedUnless(found, err, ErrNoOwnDeadline, fmt.Sprintf("%q, %s", direction, kind))
	})
}

// knownDirection is nil when an active direction has the code.
func knownDirection(ctx context.Context, tx StaffTx, code string) error {
	ok, err := tx.DirectionExists(ctx, code)
	return refusedUnless(ok, err, ErrNoDirection, strconv.Quote(code))
}
