package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// The answer comes with a rating row (1–5); a rating is taken once
// (rate), then «Проблема решена?»: «Да» closes the appeal (close, the
// resident as actor); «Нет» and «Частично» reopen it at once (reopen,
// which tells the direction chat), in one transaction with opening the
// dialog that asks for an optional comment, so that a resident who then
// writes nothing has still reopened it. A comment, when it comes, is
// attached to the reopening by an event of its own (resident_commented,
// in the append-only audit trail) and posted to the direction chat.

// onRate takes a rating.
func (b *Bot) onRate(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	if len(args) != 2 {
		return respond(c, render.TextStale)
	}
	id, ok := parseID(args[0])
	rating, err := strconv.Atoi(args[1])
	if !ok || err != nil || rating < 1 || rating > 5 {
		return respond(c, render.TextStale)
	}
	ctx := contextOf(c)
	a, err := b.opts.Service.Apply(ctx, workflow.Command{
		AppealID: id, Event: workflow.EventRate, Actor: workflow.Resident(c.Sender().ID),
		Input: workflow.Input{Rating: rating},
	})
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EInvalid, workflow.EConflict:
		cur, ok, ferr := b.ownAppeal(c, args[0])
		if ok && ferr == nil && cur.Rating != 0 {
			return respond(c, render.TextRatedAlready)
		}
		return b.stale(c, ferr)
	case workflow.ENotFound:
		return respond(c, render.TextStale)
	default:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "appeal rated", "appeal_id", a.ID, "rating", rating)
	b.dropButtons(c)
	if err := respond(c, render.TextRated); err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	sid, v := strconv.FormatInt(a.ID, 10), strconv.Itoa(a.Version)
	m.Inline(m.Row(
		m.Data(render.BtnSolvedYes, "r_solv", sid, v, workflow.SolvedYes),
		m.Data(render.BtnSolvedPartly, "r_solv", sid, v, workflow.SolvedPartly),
		m.Data(render.BtnSolvedNo, "r_solv", sid, v, workflow.SolvedNo),
	))
	return c.Send(fmt.Sprintf(render.TextSolvedQuestion, rating), m)
}

// commentData is the comment being written after «Нет» or «Частично».
type commentData struct {
	AppealID int64           `json:"appeal_id"`
	Number   string          `json:"number"`
	Solved   string          `json:"solved"`
	Saved    *tgstate.Dialog `json:"saved,omitempty"`
}

// onSolved answers «Проблема решена?»: "\fr_solv|<id>|<version>|<answer>".
// The version is the appeal's after the rating: a second press, or one
// after the appeal moved on, changes nothing.
func (b *Bot) onSolved(c tele.Context, r *workflow.ResidentProfile) error {
	args := c.Args()
	if len(args) != 3 {
		return respond(c, render.TextStale)
	}
	version, verr := strconv.Atoi(args[1])
	a, ok, err := b.ownAppeal(c, args[0])
	if !ok || verr != nil {
		return b.stale(c, err)
	}
	ctx := contextOf(c)
	if d, err := b.findDialog(ctx, c); err != nil {
		return b.fail(c, err)
	} else if d != nil && d.Kind == dialogComment {
		var data commentData
		if json.Unmarshal(d.Data, &data) == nil && data.AppealID == a.ID {
			return respond(c, render.TextCommentExpect)
		}
	}
	if a.Version != version || a.State != workflow.StateAnswered || a.Solved != "" {
		return respond(c, render.TextSolvedAlready)
	}
	switch solved := args[2]; solved {
	case workflow.SolvedYes:
		_, err := b.opts.Service.Apply(ctx, workflow.Command{
			AppealID: a.ID, Event: workflow.EventClose, Actor: workflow.Resident(c.Sender().ID), Version: version,
		})
		switch workflow.ErrorCode(err) {
		case "":
		case workflow.EConflict, workflow.EInvalid:
			return respond(c, render.TextSolvedAlready)
		default:
			return b.fail(c, err)
		}
		b.logger.InfoContext(ctx, "appeal closed by resident", "appeal_id", a.ID)
		if err := respond(c, ""); err != nil {
			return err
		}
		return b.edit(c, fmt.Sprintf(render.TextClosed, a.Number()), nil)
	case workflow.SolvedNo, workflow.SolvedPartly:
		return b.reopen(c, a, version, solved)
	}
	return respond(c, render.TextStale)
}

// reopen reopens a, as the resident saw it at version, at once, and opens
// the comment dialog in the same transaction (putting an intake aside);
// the question becomes the confirmation, and the prompt for the comment
// follows with «Пропустить».
func (b *Bot) reopen(c tele.Context, a *workflow.Appeal, version int, solved string) error {
	ctx := contextOf(c)
	saved, err := b.putAside(ctx, c)
	if err != nil {
		return b.fail(c, err)
	}
	raw, err := json.Marshal(commentData{AppealID: a.ID, Number: a.Number(), Solved: solved, Saved: saved})
	if err != nil {
		return b.fail(c, fmt.Errorf("encode comment dialog: %w", err))
	}
	next := &tgstate.Dialog{UserID: c.Sender().ID, ChatID: c.Chat().ID, Kind: dialogComment, State: "text", Data: raw}
	err = b.opts.Store.StartDialog(ctx, next, func(ctx context.Context, tx workflow.Tx) error {
		_, err := b.opts.Service.ApplyIn(ctx, tx, workflow.Command{
			AppealID: a.ID, Event: workflow.EventReopen, Actor: workflow.Resident(c.Sender().ID), Version: version,
			Input: workflow.Input{Solved: solved},
		})
		return err
	})
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.EConflict, workflow.EInvalid:
		return respond(c, render.TextSolvedAlready)
	default:
		return b.fail(c, err)
	}
	b.logger.InfoContext(ctx, "appeal reopened by resident", "appeal_id", a.ID, "solved", solved)
	if err := respond(c, ""); err != nil {
		return err
	}
	if err := b.edit(c, fmt.Sprintf(render.TextReopened, a.Number()), nil); err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnSkip, "r_cskip", strconv.FormatInt(a.ID, 10))))
	return c.Send(render.TextCommentPrompt, m)
}

// commentText attaches the resident's comment to the reopening
// (resident_commented) and ends the comment dialog, in one transaction;
// the direction chat gets it. When the appeal has been answered again
// meanwhile, the comment has nowhere to go and the resident is told.
func (b *Bot) commentText(c tele.Context, d *tgstate.Dialog) error {
	var data commentData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return b.fail(c, fmt.Errorf("decode comment dialog: %w", err))
	}
	return b.finishWith(c, d, data.Saved, workflow.Command{
		AppealID: data.AppealID, Event: workflow.EventResidentCommented, Actor: workflow.Resident(c.Sender().ID),
		Input: workflow.Input{Text: render.Shorten(c.Text(), workflow.MaxReasonRunes)},
	}, fmt.Sprintf(render.TextCommentLate, data.Number), fmt.Sprintf(render.TextCommentSent, data.Number))
}

// onCommentSkip ends the comment dialog without a comment (the appeal was
// reopened at «Нет»): "\fr_cskip|<id>".
func (b *Bot) onCommentSkip(c tele.Context, r *workflow.ResidentProfile) error {
	ctx := contextOf(c)
	d, err := b.findDialog(ctx, c)
	if err != nil || d == nil || d.Kind != dialogComment {
		return b.stale(c, err)
	}
	var data commentData
	if err := json.Unmarshal(d.Data, &data); err != nil || strconv.FormatInt(data.AppealID, 10) != c.Callback().Data {
		return respond(c, render.TextStale)
	}
	saved, err := b.dropAside(ctx, d)
	if err != nil {
		return b.fail(c, err)
	}
	b.dropButtons(c)
	if err := respond(c, ""); err != nil {
		return err
	}
	text := render.TextCommentSkipped
	if saved {
		text += " " + render.TextIntakeResume
	}
	return c.Send(text, mainMenu())
}
