package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// AppealRef names an appeal and the version of it an actor saw (0: not
// checked).
type AppealRef struct {
	ID      int64
	Version int
}

// IncidentTx is what the workflow reads and writes of incidents inside a
// transaction; Tx includes it.
type IncidentTx interface {
	// CreateIncident inserts inc and sets its ID.
	CreateIncident(ctx context.Context, inc *Incident) error
	// LockIncident loads an incident and locks it until the transaction
	// ends.
	LockIncident(ctx context.Context, id int64) (*Incident, error)
	// UpdateIncident writes an incident's mutable fields; it fails with a
	// conflict unless the stored version is inc.Version-1.
	UpdateIncident(ctx context.Context, inc *Incident) error
	// FindIncidentAppeals returns the ids of the appeals joined to an
	// incident, oldest first.
	FindIncidentAppeals(ctx context.Context, id int64) ([]int64, error)
	// FindAppealIncident returns the incident an appeal is joined to (0
	// for none), without locking anything.
	FindAppealIncident(ctx context.Context, appealID int64) (int64, error)
}

// lockIncident locks incident id and decides whether actor may do act on
// it as it is, having seen version (0: not checked).
func (s *Service) lockIncident(ctx context.Context, tx Tx, actor Actor, id int64, version int, act IncidentAction) (*Incident, Role, error) {
	inc, err := tx.LockIncident(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var grants []Grant
	if actor.Kind == ActorStaff {
		if grants, err = s.Grants(ctx, tx, actor.UserID); err != nil {
			return nil, "", err
		}
	}
	role, err := AuthorizeIncident(act, actor, grants, inc.Direction)
	if err != nil {
		return nil, "", err
	}
	if version != 0 && version != inc.Version {
		return nil, "", &Error{Code: EConflict, Message: fmt.Sprintf(
			"incident %d changed (version %d, not %d): now %s", inc.ID, inc.Version, version, inc.State)}
	}
	if !IncidentAllows(inc.State, act) {
		return nil, "", Errorf(EInvalid, "cannot %s incident %d in state %s", act, inc.ID, inc.State)
	}
	return inc, role, nil
}

// CheckIncident reports, changing nothing, whether actor may do act on
// incident id as it is, having seen version: a button on an incident's
// card asks it before it opens a menu or a prompt. It returns the
// incident.
func (s *Service) CheckIncident(ctx context.Context, actor Actor, id int64, version int, act IncidentAction) (*Incident, error) {
	var out *Incident
	err := s.Store.InTx(ctx, func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, version, act)
		if err != nil {
			return err
		}
		out = inc
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("check %s on incident %d: %w", act, id, err)
	}
	return out, nil
}

// inTx runs fn in one transaction, wrapping its error with what.
func (s *Service) inTx(ctx context.Context, what string, fn func(ctx context.Context, tx Tx) error) error {
	if err := s.Store.InTx(ctx, fn); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// MakeIncident makes an incident titled title, expected to be solved at
// expected (zero for no term), from appeals (the first decides the
// direction), in one transaction: each appeal is joined to it
// (join_incident, audited, its resident told), and its card is queued.
// The actor must be allowed to make an incident in the first appeal's
// direction and to join each appeal.
func (s *Service) MakeIncident(ctx context.Context, actor Actor, title string, expected time.Time, appeals []AppealRef) (*Incident, error) {
	title, err := text(title, "incident title", MaxIncidentTitleRunes)
	if err != nil {
		return nil, err
	}
	if len(appeals) == 0 {
		return nil, Errorf(EInvalid, "an incident needs an appeal")
	}
	var out *Incident
	err = s.inTx(ctx, "make incident", func(ctx context.Context, tx Tx) error {
		first, err := tx.LockAppeal(ctx, appeals[0].ID)
		if err != nil {
			return err
		}
		grants, err := s.Grants(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		if actor.Kind != ActorStaff {
			grants = nil
		}
		if _, err := AuthorizeIncident(IncidentMake, actor, grants, first.Direction); err != nil {
			return err
		}
		now := s.now()
		inc := &Incident{
			Direction: first.Direction, Title: title, ExpectedAt: expected, State: IncidentOpen,
			CreatedBy: actor.UserID, Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.CreateIncident(ctx, inc); err != nil {
			return err
		}
		for _, ref := range appeals {
			cmd := Command{AppealID: ref.ID, Event: EventJoinIncident, Actor: actor, Version: ref.Version, Input: Input{Incident: inc.ID}}
			if _, err := s.ApplyIn(ctx, tx, cmd); err != nil {
				return err
			}
		}
		if err := tx.Enqueue(ctx, incidentCard(inc.ID, inc.Direction)); err != nil {
			return fmt.Errorf("enqueue incident card: %w", err)
		}
		s.logger().InfoContext(ctx, "incident made", "incident_id", inc.ID, "appeals", len(appeals), "actor_id", actor.UserID)
		out = inc
		return nil
	})
	return out, err
}

// JoinIncident joins appeal ref to incident id (join_incident, audited,
// its resident told) and updates the incident's card.
func (s *Service) JoinIncident(ctx context.Context, actor Actor, id int64, ref AppealRef) (*Incident, error) {
	var out *Incident
	err := s.inTx(ctx, "join incident", func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, 0, IncidentJoin)
		if err != nil {
			return err
		}
		cmd := Command{AppealID: ref.ID, Event: EventJoinIncident, Actor: actor, Version: ref.Version, Input: Input{Incident: id}}
		if _, err := s.ApplyIn(ctx, tx, cmd); err != nil {
			return err
		}
		if err := s.touchIncident(ctx, tx, inc); err != nil {
			return err
		}
		out = inc
		return nil
	})
	return out, err
}

// LeaveIncident detaches appeal ref from its incident (leave_incident,
// audited): the appeal is worked on alone again. It returns the incident
// left.
func (s *Service) LeaveIncident(ctx context.Context, actor Actor, ref AppealRef) (int64, error) {
	var id int64
	err := s.inTx(ctx, "leave incident", func(ctx context.Context, tx Tx) error {
		var err error
		if id, err = tx.FindAppealIncident(ctx, ref.ID); err != nil {
			return err
		}
		if id == 0 {
			// Apply decides how to refuse: the role first, then the state.
			_, err := s.ApplyIn(ctx, tx, Command{AppealID: ref.ID, Event: EventLeaveIncident, Actor: actor, Version: ref.Version})
			return err
		}
		// The incident before the appeal, as everywhere.
		inc, err := tx.LockIncident(ctx, id)
		if err != nil {
			return err
		}
		cmd := Command{AppealID: ref.ID, Event: EventLeaveIncident, Actor: actor, Version: ref.Version, Input: Input{Incident: id}}
		if _, err := s.ApplyIn(ctx, tx, cmd); err != nil {
			return err
		}
		return s.touchIncident(ctx, tx, inc)
	})
	return id, err
}

// touchIncident writes a new version of inc and queues its card.
func (s *Service) touchIncident(ctx context.Context, tx Tx, inc *Incident) error {
	inc.Version++
	inc.UpdatedAt = s.now()
	if err := tx.UpdateIncident(ctx, inc); err != nil {
		return fmt.Errorf("update incident: %w", err)
	}
	if err := tx.Enqueue(ctx, incidentCard(inc.ID, inc.Direction)); err != nil {
		return fmt.Errorf("enqueue incident card: %w", err)
	}
	return nil
}

// SetIncidentTerm changes the expected time of incident id (zero: no
// term); every resident of a joined appeal still open is told.
func (s *Service) SetIncidentTerm(ctx context.Context, actor Actor, id int64, version int, expected time.Time) (*Incident, error) {
	var out *Incident
	err := s.inTx(ctx, "set incident term", func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, version, IncidentTerm)
		if err != nil {
			return err
		}
		if inc.ExpectedAt.Equal(expected) {
			return Errorf(EInvalid, "incident %d already has this term", id)
		}
		inc.ExpectedAt = expected
		if err := s.touchIncident(ctx, tx, inc); err != nil {
			return err
		}
		ids, err := tx.FindIncidentAppeals(ctx, id)
		if err != nil {
			return err
		}
		in := Input{Text: inc.Title, Incident: id}
		if !expected.IsZero() {
			in.DueAt = expected.Format(time.RFC3339)
		}
		ns := make([]Notification, 0, len(ids))
		for _, aid := range ids {
			ns = append(ns, Notification{AppealID: aid, Audience: AudienceResident, Event: EventIncidentTerm, Input: in})
		}
		if err := tx.Enqueue(ctx, ns...); err != nil {
			return fmt.Errorf("enqueue term notices: %w", err)
		}
		out = inc
		return nil
	})
	return out, err
}

// SubmitIncidentDraft prepares the one answer of incident id, with its
// photos (files, may be none); the curator approves or returns it on the
// incident's card.
func (s *Service) SubmitIncidentDraft(ctx context.Context, actor Actor, id int64, draft string, files []Attachment) (*Incident, error) {
	draft, err := text(draft, "draft", MaxTextRunes)
	if err != nil {
		return nil, err
	}
	var out *Incident
	err = s.inTx(ctx, "submit incident draft", func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, 0, IncidentDraft)
		if err != nil {
			return err
		}
		inc.Draft, inc.DraftFiles, inc.DraftBy, inc.Returned, inc.State = draft, files, actor.UserID, "", IncidentOnApproval
		if err := s.touchIncident(ctx, tx, inc); err != nil {
			return err
		}
		out = inc
		return nil
	})
	return out, err
}

// ReturnIncidentDraft returns the answer of incident id to be redone,
// with the reason the card shows.
func (s *Service) ReturnIncidentDraft(ctx context.Context, actor Actor, id int64, version int, reason string) (*Incident, error) {
	reason, err := text(reason, "reason", MaxReasonRunes)
	if err != nil {
		return nil, err
	}
	var out *Incident
	err = s.inTx(ctx, "return incident draft", func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, version, IncidentReturn)
		if err != nil {
			return err
		}
		inc.Returned, inc.State = reason, IncidentOpen
		if err := s.touchIncident(ctx, tx, inc); err != nil {
			return err
		}
		out = inc
		return nil
	})
	return out, err
}

// ApproveIncident approves the answer of incident id in one transaction:
// every joined appeal in a state staff work in is answered with it
// (answer_incident, each audited with the actor and the role, each
// resident sent the answer with the rating buttons), and the incident is
// answered. It returns the incident and how many appeals were answered.
func (s *Service) ApproveIncident(ctx context.Context, actor Actor, id int64, version int) (*Incident, int, error) {
	var out *Incident
	answered := 0
	err := s.inTx(ctx, "approve incident", func(ctx context.Context, tx Tx) error {
		inc, _, err := s.lockIncident(ctx, tx, actor, id, version, IncidentApprove)
		if err != nil {
			return err
		}
		ids, err := tx.FindIncidentAppeals(ctx, id)
		if err != nil {
			return err
		}
		for _, aid := range ids {
			a, err := tx.LockAppeal(ctx, aid)
			if err != nil {
				return err
			}
			if _, ok := Next(a.State, EventAnswerIncident); !ok {
				continue // answered or closed meanwhile by other means
			}
			cmd := Command{AppealID: aid, Event: EventAnswerIncident, Actor: actor,
				Input: Input{Text: inc.Draft, Incident: id, Attachments: inc.DraftFiles}}
			if err := s.apply(ctx, tx, a, cmd); err != nil {
				return err
			}
			answered++
		}
		now := s.now()
		inc.Answer, inc.State, inc.AnsweredAt = inc.Draft, IncidentAnswered, now
		if err := s.touchIncident(ctx, tx, inc); err != nil {
			return err
		}
		s.logger().InfoContext(ctx, "incident answered", "incident_id", id, "appeals", answered, "actor_id", actor.UserID)
		out = inc
		return nil
	})
	return out, answered, err
}
