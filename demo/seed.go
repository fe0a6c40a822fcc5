package demo

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"mcu/internal/fakeclock"
	"mcu/render"
	"mcu/storage"
	"mcu/workflow"
)

// SeedOptions is what Seed writes with.
type SeedOptions struct {
	DB       *storage.DB
	Calendar workflow.Workdays
	Location *time.Location
	Logger   *slog.Logger
	// Now is the real time; the seeded appeals are dated before it.
	Now time.Time
}

// Seed writes the world into a fresh database, through the workflow as
// the bot would: the staff accept invitations of the head (the demo's
// admin), the groups are bound (triage, each direction; the head's
// private chat to head), the residents consent, and every appeal is
// submitted and driven to its state by the people who would do it, on
// dates spread over the last 40 days, so that the audit trail, the
// deadlines and the cards are real.
func (w *World) Seed(ctx context.Context, o SeedOptions) error {
	clk := fakeclock.New(o.Now.Add(-41 * 24 * time.Hour)) // the time the seeding pretends it is, moved by each step
	head := w.Head()
	staff := &workflow.StaffService{Store: o.DB, Now: clk.Now, Logger: o.Logger, Admins: []int64{head.ID}}
	if err := w.seedStaff(ctx, staff, head); err != nil {
		return err
	}
	directions, err := o.DB.FindDirections(ctx)
	if err != nil {
		return fmt.Errorf("demo: directions: %w", err)
	}
	admin := workflow.Caller{UserID: head.ID, ChatID: triageChatID}
	if _, _, err := staff.Bind(ctx, admin, workflow.BindTriage); err != nil {
		return fmt.Errorf("demo: bind triage: %w", err)
	}
	for _, d := range directions {
		admin.ChatID = w.DirectionChat(d).ID
		if _, _, err := staff.Bind(ctx, admin, d.Code); err != nil {
			return fmt.Errorf("demo: bind %s: %w", d.Code, err)
		}
	}
	residents := make([]int64, len(w.Residents)) // residents.id
	for i, r := range w.Residents {
		prof, _, err := o.DB.GiveConsent(ctx, workflow.Consent{UserID: r.ID, ChatID: r.ID, Name: r.Name(),
			Version: render.ConsentVersion, At: clk.Now()})
		if err != nil {
			return fmt.Errorf("demo: resident consent: %w", err)
		}
		residents[i] = prof.ID
	}
	svc := &workflow.Service{Store: o.DB, Calendar: o.Calendar, Location: o.Location, Now: clk.Now,
		Logger: o.Logger, Admins: []int64{head.ID}}
	appeals := slices.Clone(w.Appeals)
	slices.SortStableFunc(appeals, func(a, b SeedAppeal) int { return cmp.Compare(b.DaysAgo, a.DaysAgo) })
	incidents := map[string][]workflow.AppealRef{} // by title
	var titles []string
	for i, a := range appeals {
		r := i % len(w.Residents)
		id, err := w.seedAppeal(ctx, svc, clk, o, i, a, w.Residents[r], residents[r])
		if err != nil {
			return fmt.Errorf("demo: appeal %d (%s): %w", i+1, a.State, err)
		}
		if a.Incident != "" {
			if incidents[a.Incident] == nil {
				titles = append(titles, a.Incident)
			}
			incidents[a.Incident] = append(incidents[a.Incident], workflow.AppealRef{ID: id})
		}
	}
	if err := w.seedIncidents(ctx, svc, clk, o, titles, incidents, appeals); err != nil {
		return err
	}
	o.Logger.Info("demo world seeded", "staff", len(w.AllStaff()), "appeals", len(appeals))
	return nil
}

// seedStaff has every staff member accept an invitation of the head's;
// the head's own binds the head's private chat to head.
func (w *World) seedStaff(ctx context.Context, staff *workflow.StaffService, head Person) error {
	by := workflow.Caller{UserID: head.ID, ChatID: head.ID, Private: true}
	for _, p := range w.AllStaff() {
		inv, err := staff.Invite(ctx, by, workflow.Grant{Role: p.Role, Direction: p.Direction})
		if err != nil {
			return fmt.Errorf("demo: invite %s: %w", p.Role, err)
		}
		if _, err := staff.AcceptInvite(ctx, inv.Code, p.ID, p.Name()); err != nil {
			return fmt.Errorf("demo: accept %s: %w", p.Role, err)
		}
	}
	return nil
}

// step is one event of a seeded appeal and who fires it.
type step struct {
	event workflow.Event
	actor workflow.Actor
	input workflow.Input
}

// staffOf returns the staff member holding role in direction.
func (w *World) staffOf(role workflow.Role, direction string) Person {
	for _, p := range w.AllStaff() {
		if p.Role == role && (direction == "" || p.Direction == direction) {
			return p
		}
	}
	return Person{}
}

// steps are the events that take a submitted appeal to its state.
func (w *World) steps(a SeedAppeal, resident int64) []step {
	exec := workflow.Staff(w.staffOf(workflow.RoleExecutor, a.Direction).ID)
	curator := workflow.Staff(w.staffOf(workflow.RoleCurator, a.Direction).ID)
	operator := workflow.Staff(w.staffOf(workflow.RoleOperator, "").ID)
	res := workflow.Resident(resident)
	take := step{workflow.EventTake, exec, workflow.Input{}}
	draft := step{workflow.EventSubmitDraft, exec, workflow.Input{Text: a.Answer}}
	approve := step{workflow.EventApprove, curator, workflow.Input{}}
	switch a.State {
	case workflow.StateInProgress:
		return []step{take}
	case workflow.StateClarification:
		return []step{take, {workflow.EventAskResident, exec, workflow.Input{Text: a.Question}}}
	case workflow.StateOnApproval:
		return []step{take, draft}
	case workflow.StateAnswered:
		return []step{take, draft, approve}
	case workflow.StateClosed:
		out := []step{take, draft, approve}
		if a.Rating > 0 {
			out = append(out, step{workflow.EventRate, res, workflow.Input{Rating: a.Rating}})
		}
		return append(out, step{workflow.EventClose, res, workflow.Input{}})
	case workflow.StateReopened:
		return []step{take, draft, approve,
			{workflow.EventReopen, res, workflow.Input{Solved: a.Solved}},
			{workflow.EventResidentCommented, res, workflow.Input{Text: a.Comment}}}
	case workflow.StateRejected:
		by := curator
		if a.Direction == "" {
			by = operator
		}
		return []step{{workflow.EventReject, by, workflow.Input{Reason: a.Reason}}}
	case workflow.StateRedirected:
		return []step{{workflow.EventRedirect, operator, workflow.Input{Authority: a.Authority}}}
	case workflow.StateWithdrawn:
		return []step{{workflow.EventWithdraw, res, workflow.Input{}}}
	}
	return nil // registered (triage) or assigned: as submitted
}

// seedAppeal submits one appeal on its day (the i-th of the day's
// minutes past 9:00) and fires its steps, spread evenly between then and
// now (a day apart at most).
func (w *World) seedAppeal(ctx context.Context, svc *workflow.Service, clk *fakeclock.Clock, o SeedOptions, i int, a SeedAppeal, r Person, residentID int64) (int64, error) {
	day := o.Now.In(o.Location).AddDate(0, 0, -a.DaysAgo)
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, o.Location).Add(time.Duration(i*17) * time.Minute)
	if latest := o.Now.Add(-2 * time.Hour); start.After(latest) {
		start = latest
	}
	steps := w.steps(a, r.ID)
	gap := min(o.Now.Add(-time.Minute).Sub(start)/time.Duration(len(steps)+1), 26*time.Hour)
	clk.Set(start)
	n := workflow.NewAppeal{Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: a.Direction,
		ResidentID: residentID, Text: a.Text, Address: a.Address}
	if a.Lat != 0 || a.Lon != 0 {
		n.Location = &workflow.Location{Latitude: a.Lat, Longitude: a.Lon}
	}
	ap, err := svc.Submit(ctx, workflow.Resident(r.ID), n)
	if err != nil {
		return 0, err
	}
	for k, s := range steps {
		clk.Set(start.Add(time.Duration(k+1) * gap))
		if _, err := svc.Apply(ctx, workflow.Command{AppealID: ap.ID, Event: s.event, Actor: s.actor, Input: s.input}); err != nil {
			return 0, fmt.Errorf("%s: %w", s.event, err)
		}
	}
	return ap.ID, nil
}

// seedIncidents makes each incident of the world (titles in the order of
// their first appeal) of its appeals, half an hour before now, by the
// curator of the first appeal's direction, expected to be solved at
// 18:00 the next day.
func (w *World) seedIncidents(ctx context.Context, svc *workflow.Service, clk *fakeclock.Clock, o SeedOptions,
	titles []string, refs map[string][]workflow.AppealRef, appeals []SeedAppeal) error {
	direction := func(title string) string {
		for _, a := range appeals {
			if a.Incident == title {
				return a.Direction
			}
		}
		return ""
	}
	clk.Set(o.Now.Add(-30 * time.Minute))
	tomorrow := o.Now.In(o.Location).AddDate(0, 0, 1)
	expected := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 18, 0, 0, 0, o.Location)
	for _, title := range titles {
		curator := workflow.Staff(w.staffOf(workflow.RoleCurator, direction(title)).ID)
		if _, err := svc.MakeIncident(ctx, curator, title, expected, refs[title]); err != nil {
			return fmt.Errorf("demo: incident %q: %w", title, err)
		}
	}
	return nil
}
