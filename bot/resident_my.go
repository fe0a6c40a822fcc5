package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tele "gopkg.in/telebot.v3"

	"mcu/render"
	"mcu/workflow"
)

// myPageSize is how many appeals one page of /my lists.
const myPageSize = 5

// onMy lists the resident's appeals, newest first, a page at a time.
func (b *Bot) onMy(c tele.Context, r *workflow.ResidentProfile) error {
	text, m, err := b.myPage(contextOf(c), r, 0)
	if err != nil {
		return b.fail(c, err)
	}
	return c.Send(text, m)
}

// onMyPage turns a page of /my: "\fr_my|<offset>", edited in place.
func (b *Bot) onMyPage(c tele.Context, r *workflow.ResidentProfile) error {
	offset, err := strconv.Atoi(c.Callback().Data)
	if err != nil || offset < 0 || offset%myPageSize != 0 {
		return respond(c, render.TextStale)
	}
	text, m, err := b.myPage(contextOf(c), r, offset)
	if err != nil {
		return b.fail(c, err)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	return b.edit(c, text, m)
}

// myPage renders the page of the resident's appeals that starts at
// offset: a line per appeal, a button per appeal to open it, and the
// buttons to turn pages.
func (b *Bot) myPage(ctx context.Context, r *workflow.ResidentProfile, offset int) (string, *tele.ReplyMarkup, error) {
	appeals, total, err := b.opts.Store.FindResidentAppeals(ctx, r.ID, myPageSize, offset)
	if err != nil {
		return "", nil, err
	}
	if total == 0 {
		return render.TextMyNone, nil, nil
	}
	if len(appeals) == 0 && offset > 0 { // the list shrank: show the last page
		offset = (total - 1) / myPageSize * myPageSize
		if appeals, total, err = b.opts.Store.FindResidentAppeals(ctx, r.ID, myPageSize, offset); err != nil {
			return "", nil, err
		}
	}
	dirs, err := b.Directions(ctx)
	if err != nil {
		return "", nil, err
	}
	pages := (total + myPageSize - 1) / myPageSize
	lines := []string{render.MyHeader(total, offset/myPageSize+1, pages)}
	m := &tele.ReplyMarkup{}
	var rows []tele.Row
	for _, a := range appeals {
		lines = append(lines, render.MyLine(a, render.DirectionName(a.Direction, dirs), b.opts.Location))
		rows = append(rows, m.Row(m.Data("№ "+a.Number(), "r_show", strconv.FormatInt(a.ID, 10))))
	}
	var nav tele.Row
	if offset > 0 {
		nav = append(nav, m.Data(render.BtnPrev, "r_my", strconv.Itoa(max(0, offset-myPageSize))))
	}
	if offset+myPageSize < total {
		nav = append(nav, m.Data(render.BtnMore, "r_my", strconv.Itoa(offset+myPageSize)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	m.Inline(rows...)
	return strings.Join(lines, "\n\n"), m, nil
}

// onStatus shows one of the resident's appeals by number; anyone else's
// is «не найдено», exactly as a number that does not exist.
func (b *Bot) onStatus(c tele.Context, r *workflow.ResidentProfile) error {
	number, ok := parseNumberArg(c.Message().Payload)
	if !ok {
		return c.Send(render.TextStatusUsage)
	}
	ctx := contextOf(c)
	a, err := b.opts.Store.FindAppealByNumber(ctx, number)
	if workflow.ErrorCode(err) == workflow.ENotFound || (err == nil && a.ResidentUserID != c.Sender().ID) {
		return c.Send(fmt.Sprintf(render.TextStatusNotFound, number))
	}
	if err != nil {
		return b.fail(c, err)
	}
	text, m, err := b.status(ctx, a)
	if err != nil {
		return b.fail(c, err)
	}
	return c.Send(text, m)
}

// onShow opens an appeal from /my: "\fr_show|<appeal id>".
func (b *Bot) onShow(c tele.Context, r *workflow.ResidentProfile) error {
	return b.showOwn(c, false)
}

// showOwn answers a button about one of the resident's own appeals
// (the callback data is its id) with its status: sent anew, or in place
// of the pressed message when edit is set.
func (b *Bot) showOwn(c tele.Context, edit bool) error {
	a, ok, err := b.ownAppeal(c, c.Callback().Data)
	if !ok {
		return b.stale(c, err)
	}
	text, m, err := b.status(contextOf(c), a)
	if err != nil {
		return b.fail(c, err)
	}
	if err := respond(c, ""); err != nil {
		return err
	}
	if edit {
		return b.edit(c, text, m)
	}
	return c.Send(text, m)
}

// ownAppeal loads the appeal with the id of a button's data, if it is
// the sender's.
func (b *Bot) ownAppeal(c tele.Context, id string) (*workflow.Appeal, bool, error) {
	appealID, ok := parseID(id)
	if !ok {
		return nil, false, nil
	}
	a, err := b.opts.Store.FindAppeal(contextOf(c), appealID)
	if workflow.ErrorCode(err) == workflow.ENotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return a, a.ResidentUserID == c.Sender().ID, nil
}

// status renders one appeal with what its resident may do next.
func (b *Bot) status(ctx context.Context, a *workflow.Appeal) (string, *tele.ReplyMarkup, error) {
	dirs, err := b.Directions(ctx)
	if err != nil {
		return "", nil, err
	}
	m := &tele.ReplyMarkup{}
	id, version := strconv.FormatInt(a.ID, 10), strconv.Itoa(a.Version)
	var row tele.Row
	if a.State == workflow.StateClarification {
		row = append(row, m.Data(render.BtnAnswer, render.UniqueAnswer, id))
	}
	if _, ok := workflow.Next(a.State, workflow.EventWithdraw); ok {
		row = append(row, m.Data(render.BtnWithdraw, "r_wd", id, version))
	}
	if len(row) > 0 {
		m.Inline(row)
	}
	return render.StatusText(a, render.DirectionName(a.Direction, dirs), b.opts.Location), m, nil
}

// edit replaces the text and buttons of the message whose button was
// pressed; an edit that changes nothing is fine.
func (b *Bot) edit(c tele.Context, text string, m *tele.ReplyMarkup) error {
	if m == nil {
		m = &tele.ReplyMarkup{}
	}
	err := c.Edit(text, m)
	if errors.Is(err, tele.ErrMessageNotModified) || errors.Is(err, tele.ErrSameMessageContent) {
		return nil
	}
	return err
}
