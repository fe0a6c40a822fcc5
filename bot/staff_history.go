package bot

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// onHistory shows who did what to an appeal and when: /history <number>.
// Staff only.
func (b *Bot) onHistory(c tele.Context) error {
	ctx := contextOf(c)
	role, err := b.anyStaffRole(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if role == "" {
		return reply(c, render.TextForbidden)
	}
	args := c.Args()
	if len(args) != 1 {
		return reply(c, render.TextHistoryUsage)
	}
	a, err := b.opts.Store.FindAppealByNumber(ctx, args[0])
	if err != nil {
		if code := workflow.ErrorCode(err); code == workflow.EInvalid {
			return reply(c, render.TextHistoryUsage)
		}
		return reply(c, b.answer(ctx, err))
	}
	events, err := b.opts.Store.FindAppealEvents(ctx, a.ID)
	if err != nil {
		return err
	}
	actions, err := b.opts.Store.FindStaffActions(ctx, a.ID)
	if err != nil {
		return err
	}
	names, err := b.opts.Store.FindStaffNames(ctx)
	if err != nil {
		return err
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return err
	}
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	loc := b.opts.Location
	for _, act := range actions {
		if act.Action != workflow.ActionRegister {
			continue
		}
		lines = append(lines, line{act.At, fmt.Sprintf(render.TextRegisteredBy,
			render.SourceName(a.Source), staffRef(names, act.ActorID, act.Role))})
	}
	for _, e := range events {
		ce := workflow.CardEvent{At: e.At, Event: e.Event, Actor: e.Actor, Role: e.Role, Payload: e.Payload}
		text := render.HistoryLine(ce, dirs, loc)
		if e.Actor.Kind == workflow.ActorStaff {
			// historyLine names the person; /history adds id and role.
			text = strings.TrimSuffix(text, " — "+render.NameOr("", e.Actor.UserID)) + " — " + staffRef(names, e.Actor.UserID, e.Role)
		}
		lines = append(lines, line{e.At, text})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })
	out := []string{fmt.Sprintf(render.TextHistoryTitle, a.Number())}
	for _, l := range lines {
		out = append(out, l.at.In(loc).Format("02.01.2006 15:04")+" — "+l.text)
	}
	for _, part := range render.SplitText(strings.Join(out, "\n"), render.MaxMessageRunes) {
		if err := reply(c, part); err != nil {
			return err
		}
	}
	return nil
}

// staffRef names a staff member with Telegram id and role: «Иван (id 5,
// исполнитель)».
func staffRef(names map[int64]string, id int64, role workflow.Role) string {
	r := render.RoleName(role)
	if r == "" {
		r = string(role)
	}
	if name := names[id]; name != "" {
		return fmt.Sprintf("%s (id %d, %s)", name, id, r)
	}
	return fmt.Sprintf("id %d, %s", id, r)
}
