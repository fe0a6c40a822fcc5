package loadtest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"mcu/internal/telegramtest"
	"mcu/render"
)

// NumberPattern is a registration number as residents see it.
var NumberPattern = regexp.MustCompile(`\b\d{4}-\d{6}\b`)

// Plan is what a resident means to submit.
type Plan struct {
	// Direction is the code of the direction to choose ("housing"); a
	// direction not offered, or "", picks the «don't know» button.
	Direction string
	// Text is the description typed when the bot asks for it; at least
	// two words.
	Text string
	// Location shares a point on the map; otherwise the step is skipped.
	Location bool
	// Phone shares the contact; "" skips the step.
	Phone string
}

// Directions are the codes of the directions the migrations create.
var Directions = []string{"politics", "social", "housing", "economy", "property"}

// SpreadPlan is DefaultPlan with the direction taken in turn from
// Directions, so that no direction's chat gets more than a fifth of the
// cards.
func SpreadPlan(i int) Plan {
	p := DefaultPlan(i)
	p.Direction = Directions[i%len(Directions)]
	return p
}

// DefaultPlan is a housing appeal with a location and no phone.
func DefaultPlan(i int) Plan {
	return Plan{
		Direction: "housing",
		Text:      fmt.Sprintf("Load test appeal %d: the yard of house %d has not been cleaned for a week", i, i%97+1),
		Location:  true,
	}
}

// Resident is one simulated resident in the private chat with the bot.
type Resident struct {
	srv   *telegramtest.Server
	w     *Watcher
	User  telegramtest.User
	plan  Plan
	nudge time.Duration
	// Think is how long the resident takes before each update after the
	// first, as a person reads and taps; 0 acts at once.
	Think time.Duration

	notify chan struct{}
	// seen is the state of each bot message at the last action:
	// only what differs from it is new to the resident.
	seen      map[int]string
	done      map[string]bool // actions already taken
	consented bool
	started   bool
	submitted bool

	// Number is the registration number the chat showed, once it did.
	Number string
	// Actions counts the updates the resident sent.
	Actions int
	// Nudges counts the times the resident, seeing nothing new for a
	// while, asked again (/new or /start).
	Nudges int
	// Began and Got are when the resident started and saw the number.
	Began, Got time.Time
}

// NewResident registers a new Telegram user who will follow plan; nudge
// is how long it waits for something new before asking again (0: never).
func (w *Watcher) NewResident(name string, plan Plan, nudge time.Duration) *Resident {
	u := w.srv.NewUser(name)
	r := &Resident{
		srv: w.srv, w: w, User: u, plan: plan, nudge: nudge,
		notify: make(chan struct{}, 1),
		seen:   map[int]string{}, done: map[string]bool{},
	}
	w.register(u.ID, r.notify)
	return r
}

// Plan returns what the resident means to submit.
func (r *Resident) Plan() Plan { return r.plan }

// action is one thing a resident does: a key so that it is not done twice
// for the same thing shown, and the deed, which returns the update id.
type action struct {
	key string
	do  func() int
}

// Run plays the resident until the chat shows a registration number or
// ctx ends. gate, when set, is waited for before each update is sent (the
// open loop's pace).
func (r *Resident) Run(ctx context.Context, gate func(context.Context) error) error {
	r.Began = time.Now()
	first := action{key: "start", do: func() int { return r.srv.SendText(r.User, "/start").UpdateID }}
	if err := r.perform(ctx, first, gate); err != nil {
		return err
	}
	var idle *time.Timer
	var idleC <-chan time.Time
	if r.nudge > 0 {
		idle = time.NewTimer(r.nudge)
		defer idle.Stop()
		idleC = idle.C
	}
	for {
		view := r.srv.Sent(r.User.ID)
		if n := findNumber(view); n != "" {
			r.Number, r.Got = n, time.Now()
			return nil
		}
		if a, ok := r.decide(view); ok {
			if err := r.perform(ctx, a, gate); err != nil {
				return err
			}
			if idle != nil {
				idle.Reset(r.nudge)
			}
			continue
		}
		select {
		case <-r.notify:
		case <-idleC:
			if !r.submitted {
				r.Nudges++
				text := "/start"
				if r.consented {
					text = "/new"
				}
				a := action{key: fmt.Sprintf("nudge%d", r.Nudges), do: func() int { return r.srv.SendText(r.User, text).UpdateID }}
				if err := r.perform(ctx, a, gate); err != nil {
					return err
				}
			}
			idle.Reset(r.nudge)
		case <-ctx.Done():
			return fmt.Errorf("resident %d: %w (number %q, %d actions)", r.User.ID, ctx.Err(), r.Number, r.Actions)
		}
	}
}

// perform takes an action: it remembers what the chat showed, waits for
// the gate, and sends the update, telling the watcher when it arrived.
func (r *Resident) perform(ctx context.Context, a action, gate func(context.Context) error) error {
	if r.Think > 0 && r.Actions > 0 {
		select {
		case <-time.After(r.Think):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if gate != nil {
		if err := gate(ctx); err != nil {
			return err
		}
	}
	clear(r.seen)
	for _, m := range r.srv.Sent(r.User.ID) {
		r.seen[m.MessageID] = fingerprint(m)
	}
	r.done[a.key] = true
	r.w.arrived(r.User.ID, time.Now())
	if a.do() != 0 {
		r.Actions++
		r.w.countUpdate()
	}
	return nil
}

func findNumber(view []telegramtest.Message) string {
	for _, m := range view {
		if n := NumberPattern.FindString(m.Content()); n != "" {
			return n
		}
	}
	return ""
}

// fingerprint is what a resident notices of a message: its text and
// buttons.
func fingerprint(m telegramtest.Message) string {
	var b strings.Builder
	b.WriteString(m.Content())
	for _, btn := range m.Buttons() {
		b.WriteString("\x00" + btn.Text + "\x01" + btn.CallbackData)
	}
	for _, row := range m.Keyboard {
		for _, k := range row {
			b.WriteString("\x02" + k.Text)
		}
	}
	return b.String()
}

// decide picks what to do from the messages that are new or changed since
// the last action, newest first; false when there is nothing to do yet.
func (r *Resident) decide(view []telegramtest.Message) (action, bool) {
	var fresh []telegramtest.Message
	for _, m := range view {
		if fp, ok := r.seen[m.MessageID]; !ok || fp != fingerprint(m) {
			fresh = append(fresh, m)
		}
	}
	slices.Reverse(fresh)
	for _, m := range fresh {
		if a, ok := r.inline(m); ok {
			return a, true
		}
		if a, ok := r.keyboard(m); ok {
			return a, true
		}
	}
	return action{}, false
}

// callback splits a telebot callback data "\f<unique>|<arg>|...".
func callback(data string) (unique string, args []string) {
	parts := strings.Split(strings.TrimPrefix(data, "\f"), "|")
	return parts[0], parts[1:]
}

// inline chooses among a message's inline buttons.
func (r *Resident) inline(m telegramtest.Message) (action, bool) {
	var best telegramtest.InlineKeyboardButton
	rank := 0 // higher is better
	typeText, dialog := false, ""
	for _, b := range m.Buttons() {
		if b.Action != "callback_data" {
			continue
		}
		unique, args := callback(b.CallbackData)
		k := 0
		switch {
		case unique == "r_consent" && len(args) == 1 && args[0] == "yes":
			k = 6
		case unique == "r_in" && len(args) == 3 && args[2] == "cont":
			k = 5
		case unique == "r_in" && len(args) == 3 && args[2] == "submit":
			k = 4
		case unique == "r_in" && len(args) == 3 && args[1] == "details" && args[2] == "next":
			k = 3
		case unique == "r_dir" && len(args) == 2 && args[1] == r.plan.Direction:
			k = 2
		case unique == "r_dir" && len(args) == 2 && args[1] == "-":
			k = 1
		case unique == "r_in" && len(args) == 3 && args[1] == "details":
			typeText, dialog = true, args[0]
		}
		if k > rank {
			best, rank = b, k
		}
	}
	if rank == 0 && typeText {
		key := "text " + dialog
		if r.done[key] {
			return action{}, false
		}
		return action{key: key, do: func() int { return r.srv.SendText(r.User, r.plan.Text).UpdateID }}, true
	}
	if rank == 0 {
		return action{}, false
	}
	key := fmt.Sprintf("press %d %s", m.MessageID, best.CallbackData)
	if r.done[key] {
		return action{}, false
	}
	msg, text := m, best.Text
	return action{key: key, do: func() int {
		switch rank {
		case 6:
			r.consented = true
		case 4:
			r.submitted = true
		case 2, 1:
			r.started = true
		}
		q, err := r.srv.Press(r.User, msg, text)
		if err != nil {
			return 0 // the keyboard changed meanwhile: look again
		}
		return q.UpdateID
	}}, true
}

// keyboard acts on a reply keyboard: the location and phone steps, and
// the main menu's «new» before the resident has started.
func (r *Resident) keyboard(m telegramtest.Message) (action, bool) {
	var location, contact, menuNew bool
	for _, row := range m.Keyboard {
		for _, k := range row {
			location = location || k.RequestLocation
			contact = contact || k.RequestContact
			menuNew = menuNew || k.Text == render.BtnMenuNew
		}
	}
	key := fmt.Sprintf("keyboard %d", m.MessageID)
	if r.done[key] {
		return action{}, false
	}
	switch {
	case location && r.plan.Location:
		return action{key: key, do: func() int { return r.srv.SendLocation(r.User, 59.1175, 28.0881).UpdateID }}, true
	case contact && r.plan.Phone != "":
		return action{key: key, do: func() int { return r.srv.SendContact(r.User, r.plan.Phone).UpdateID }}, true
	case location || contact:
		return action{key: key, do: func() int { return r.srv.SendText(r.User, render.BtnSkip).UpdateID }}, true
	case menuNew && r.consented && !r.started:
		return action{key: key, do: func() int {
			r.started = true
			return r.srv.SendText(r.User, render.BtnMenuNew).UpdateID
		}}, true
	}
	return action{}, false
}
