package workflow

import (
	"context"
	"fmt"
	"time"
)

// Submit creates an appeal and, in the same transaction, registers it and
// routes it to its direction (or leaves it for triage when the direction
// is unknown). A resident submits their own messages; an operator or an
// admin registers appeals that came by other channels.
func (s *Service) Submit(ctx context.Context, actor Actor, n NewAppeal) (*Appeal, error) {
	var out *Appeal
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		out, err = s.SubmitIn(ctx, tx, actor, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("submit appeal: %w", err)
	}
	return out, nil
}

func (s *Service) submit(ctx context.Context, tx Tx, actor Actor, n NewAppeal) (*Appeal, error) {
	now := s.now()
	body, err := s.checkNew(ctx, tx, actor, n, now)
	if err != nil {
		s.observe(EventRegister, err) // refused before its registration
		return nil, err
	}
	a := &Appeal{
		Kind: n.Kind, Source: n.Source, State: StateReceived,
		ResidentID: n.ResidentID, Text: body, Address: n.Address,
		Location: n.Location, Attachments: n.Attachments,
		Version: 1, CreatedAt: now, UpdatedAt: now, ReceivedAt: n.ReceivedAt,
	}
	if actor.Kind == ActorResident {
		a.ResidentUserID = actor.UserID
	}
	if err := tx.CreateAppeal(ctx, a, n.ContactName, n.Contact); err != nil {
		return nil, fmt.Errorf("create appeal: %w", err)
	}
	if err := tx.AddAttachments(ctx, a.ID, PurposeAppeal, n.Attachments); err != nil {
		return nil, fmt.Errorf("add attachments: %w", err)
	}
	// The deadline rule is the one of the direction the appeal goes to.
	register := Command{AppealID: a.ID, Event: EventRegister, Actor: System(), Input: Input{Direction: n.Direction}, Told: n.Told}
	if err := s.apply(ctx, tx, a, register); err != nil {
		return nil, err
	}
	if n.Direction == "" {
		// In triage: the operators get the card.
		err := tx.Enqueue(ctx, Notification{AppealID: a.ID, Audience: AudienceCard, Event: EventRegister})
		if err != nil {
			return nil, fmt.Errorf("enqueue triage card: %w", err)
		}
		return a, nil
	}
	route := Command{AppealID: a.ID, Event: EventRoute, Actor: System(), Input: Input{Direction: n.Direction}}
	if err := s.apply(ctx, tx, a, route); err != nil {
		return nil, err
	}
	return a, nil
}

// checkNew checks n before it is created: the submitter (see
// checkSubmitter), the kind, the source, the text (returned trimmed), the
// location, the time received and the direction.
func (s *Service) checkNew(ctx context.Context, tx Tx, actor Actor, n NewAppeal, now time.Time) (string, error) {
	if err := s.checkSubmitter(ctx, tx, actor, n, now); err != nil {
		return "", err
	}
	if !n.Kind.Valid() {
		return "", Errorf(EInvalid, "unknown kind %q", n.Kind)
	}
	if !n.Source.Valid() {
		return "", Errorf(EInvalid, "unknown source %q", n.Source)
	}
	body, err := text(n.Text, "appeal text", MaxTextRunes)
	if err != nil {
		return "", err
	}
	if n.Location != nil && (n.Location.Latitude < -90 || n.Location.Latitude > 90 ||
		n.Location.Longitude < -180 || n.Location.Longitude > 180) {
		return "", Errorf(EInvalid, "location %v is not on Earth", *n.Location)
	}
	if n.ReceivedAt.After(now) {
		return "", Errorf(EInvalid, "received at %s, after now", n.ReceivedAt.Format(time.RFC3339))
	}
	if n.Direction != "" {
		ok, err := tx.DirectionExists(ctx, n.Direction)
		if err != nil {
			return "", fmt.Errorf("check direction: %w", err)
		}
		if !ok {
			return "", Errorf(EInvalid, "unknown direction %q", n.Direction)
		}
	}
	return body, nil
}

// checkSubmitter checks that actor may submit n: a resident within the
// hourly limit, or an operator or admin for other channels.
func (s *Service) checkSubmitter(ctx context.Context, tx Tx, actor Actor, n NewAppeal, now time.Time) error {
	switch actor.Kind {
	case ActorResident:
		if n.ResidentID == 0 || n.Source != SourceBot || n.Kind != KindMessage || !n.ReceivedAt.IsZero() {
			return Errorf(EInvalid, "a resident submits messages through the bot")
		}
		if s.AppealsPerHour <= 0 {
			return nil
		}
		times, err := tx.FindResidentAppealTimes(ctx, n.ResidentID, now.Add(-time.Hour))
		if err != nil {
			return fmt.Errorf("count recent appeals: %w", err)
		}
		if len(times) >= s.AppealsPerHour {
			// The oldest of the window leaves it first.
			next := times[len(times)-s.AppealsPerHour].Add(time.Hour)
			return &Error{Code: ELimited, Message: fmt.Sprintf(
				"resident %d submitted %d appeals in an hour; next at %s",
				n.ResidentID, len(times), next.Format(time.RFC3339)), Err: &LimitError{RetryAt: next}}
		}
		return nil
	case ActorStaff:
		grants, err := s.Grants(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		for _, g := range grants {
			if g.Role == RoleOperator || g.Role == RoleAdmin {
				return nil
			}
		}
		return Errorf(EForbidden, "staff %d may not register appeals", actor.UserID)
	}
	return Errorf(EForbidden, "%s may not submit appeals", actor.Kind)
}

// LimitError says when a limited actor may try again.
type LimitError struct {
	RetryAt time.Time
}

// Error implements the error interface.
func (e *LimitError) Error() string {
	return "try again at " + e.RetryAt.Format(time.RFC3339)
}
