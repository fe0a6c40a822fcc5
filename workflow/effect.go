package workflow

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// Purposes of attachments.
const (
	PurposeAppeal = "appeal" // sent with the appeal
	PurposeReply  = "reply"  // sent by the resident with a clarification
	PurposeDraft  = "draft"  // evidence attached to a draft answer
)

// effect checks cmd's input and applies what the event does to a, besides
// the state; whether the event is allowed on a at all was decided before
// (allow). It may normalise cmd.Input (trimmed texts, computed dates) so
// that the audit trail records what was applied.
func (s *Service) effect(ctx context.Context, tx Tx, a *Appeal, cmd *Command, now time.Time) error {
	in := &cmd.Input
	switch cmd.Event {
	case EventRegister:
		return s.register(ctx, tx, a, in, now)
	case EventRoute, EventReroute:
		return route(ctx, tx, a, cmd.Event, in)
	case EventTake:
		a.ExecutorID = cmd.Actor.UserID
	case EventAskResident, EventResidentReplied, EventSubmitDraft:
		return exchange(ctx, tx, a, cmd.Event, in)
	case EventApprove:
		a.Answer = a.Draft
		a.AnsweredAt = now
		// A new answer waits for a verdict of its own («Проблема решена?»),
		// as for a rating; the earlier ones stay in the audit trail.
		a.Solved = ""
	case EventReturn, EventReject, EventRedirect:
		return refuse(a, cmd.Event, in, now)
	case EventExtend:
		return s.extend(ctx, tx, a, in)
	case EventRate, EventReopen, EventClose:
		return judge(a, cmd, now)
	case EventResidentCommented:
		// The comment on the latest reopening: «не решено» or «частично».
		var err error
		in.Text, err = text(in.Text, "comment", MaxReasonRunes)
		in.Solved = a.Solved
		return err
	case EventWithdraw:
		a.ClosedAt = now
	case EventJoinIncident, EventLeaveIncident, EventAnswerIncident:
		return incidentEffect(ctx, tx, a, cmd.Event, in, now)
	}
	return nil
}

// route moves a to the direction of in (route, reroute); a rerouted
// appeal has no executor until someone there takes it.
func route(ctx context.Context, tx Tx, a *Appeal, ev Event, in *Input) error {
	if in.Direction == a.Direction {
		return Errorf(EInvalid, "appeal %d is already in direction %q", a.ID, a.Direction)
	}
	ok, err := tx.DirectionExists(ctx, in.Direction)
	if err != nil {
		return fmt.Errorf("check direction: %w", err)
	}
	if !ok {
		return Errorf(EInvalid, "unknown direction %q", in.Direction)
	}
	a.Direction = in.Direction
	if ev == EventReroute {
		a.ExecutorID = 0
	}
	return nil
}

// exchange takes a text between staff and the resident: a question, the
// resident's reply (text or photos), or a draft answer with its evidence.
func exchange(ctx context.Context, tx Tx, a *Appeal, ev Event, in *Input) error {
	var err error
	switch ev {
	case EventAskResident:
		in.Text, err = text(in.Text, "question", MaxTextRunes)
		return err
	case EventResidentReplied:
		if in.Text == "" && len(in.Attachments) == 0 {
			return Errorf(EInvalid, "reply is empty")
		}
		if in.Text != "" {
			if in.Text, err = text(in.Text, "reply", MaxTextRunes); err != nil {
				return err
			}
		}
		if err := tx.AddAttachments(ctx, a.ID, PurposeReply, in.Attachments); err != nil {
			return fmt.Errorf("add reply attachments: %w", err)
		}
	case EventSubmitDraft:
		if in.Text, err = text(in.Text, "draft", MaxTextRunes); err != nil {
			return err
		}
		a.Draft = in.Text
		if err := tx.AddAttachments(ctx, a.ID, PurposeDraft, in.Attachments); err != nil {
			return fmt.Errorf("add draft attachments: %w", err)
		}
	}
	return nil
}

// refuse returns a draft with a reason, or closes a by rejecting it
// (with its grounds) or redirecting it (to the competent body).
func refuse(a *Appeal, ev Event, in *Input, now time.Time) error {
	var err error
	if ev == EventRedirect {
		if in.Authority, err = text(in.Authority, "authority", MaxReasonRunes); err != nil {
			return err
		}
		a.Reason, a.ClosedAt = in.Authority, now
		return nil
	}
	if in.Reason, err = text(in.Reason, "reason", MaxReasonRunes); err != nil {
		return err
	}
	if ev == EventReject {
		a.Reason, a.ClosedAt = in.Reason, now
	}
	return nil
}

// extend moves the deadline by in.Days calendar days (59-ФЗ art. 12),
// with the reason the resident is told; a new last day that is not a
// working day moves as the kind's deadline rule says (DeadlineRule.Extend).
func (s *Service) extend(ctx context.Context, tx Tx, a *Appeal, in *Input) error {
	if in.Days < 1 || in.Days > MaxExtensionDays {
		return Errorf(EInvalid, "extension of %d days is not within 1–%d", in.Days, MaxExtensionDays)
	}
	var err error
	if in.Reason, err = text(in.Reason, "reason", MaxReasonRunes); err != nil {
		return err
	}
	rule, err := tx.FindDeadlineRule(ctx, a.Kind, a.Direction)
	if err != nil {
		return fmt.Errorf("find deadline rule: %w", err)
	}
	if a.DueAt, err = rule.Extend(s.Calendar, a.DueAt, in.Days, s.Location); err != nil {
		return err
	}
	a.Extended = true
	in.DueAt = a.DueAt.Format(time.RFC3339)
	return nil
}

// judge records the resident's verdict on the answer: a rating, «not
// solved» (reopen) or «solved» (close; also the system closing an
// answer nobody rated).
func judge(a *Appeal, cmd *Command, now time.Time) error {
	in := &cmd.Input
	switch cmd.Event {
	case EventRate:
		if in.Rating < 1 || in.Rating > 5 {
			return Errorf(EInvalid, "rating %d is not within 1–5", in.Rating)
		}
		a.Rating = in.Rating
	case EventReopen:
		if in.Solved != SolvedNo && in.Solved != SolvedPartly {
			return Errorf(EInvalid, "reopen needs solved %q or %q, not %q", SolvedNo, SolvedPartly, in.Solved)
		}
		a.Solved = in.Solved
		a.ReopenCount++
		a.ClosedAt = time.Time{}
		// The next answer gets a rating of its own; earlier ones stay in
		// the audit trail (rate events) for the statistics.
		a.Rating = 0
	case EventClose:
		if cmd.Actor.Kind == ActorResident {
			in.Solved = SolvedYes
		}
		a.Solved = in.Solved
		a.ClosedAt = now
	}
	return nil
}

// register gives a its number and deadline: by the rule of its kind in
// the direction it is submitted to (in.Direction; the kind's default rule
// for an appeal left for triage).
func (s *Service) register(ctx context.Context, tx Tx, a *Appeal, in *Input, now time.Time) error {
	rule, err := tx.FindDeadlineRule(ctx, a.Kind, cmp.Or(a.Direction, in.Direction))
	if err != nil {
		return fmt.Errorf("find deadline rule: %w", err)
	}
	due, err := rule.Due(s.Calendar, now, s.Location)
	if err != nil {
		return err
	}
	// The number last: the year's counter stays locked from here to the
	// commit, and every other registration waits for it meanwhile.
	year := now.In(s.Location).Year()
	seq, err := tx.NextAppealSeq(ctx, year)
	if err != nil {
		return fmt.Errorf("next registration number: %w", err)
	}
	a.Year, a.Seq = year, seq
	a.RegisteredAt = now
	a.DueAt = due
	in.Number = a.Number()
	in.DueAt = due.Format(time.RFC3339)
	return nil
}
