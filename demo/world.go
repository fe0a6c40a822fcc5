// Package demo is mcu demo without its wiring: the demo's world (who is
// who, which chats exist, the appeals of the last 40 days, all described
// in the embedded world.json), the seeding of that world through the
// workflow, and the web page that shows the Telegram test server as a
// chat client in which one plays each of them. cmd/mcu runs the real
// bot against that server.
package demo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"mcu/internal/telegramtest"
	"mcu/workflow"
)

//go:embed world.json
var worldJSON []byte

//go:embed welcome.txt
var welcome string

// Welcome is what mcu demo prints once the page at url is up: where it
// is and three things to try.
func Welcome(url string) string { return strings.ReplaceAll(welcome, "{url}", url) }

// Person is someone the demo knows: a persona one can play on the page,
// a staff member or a resident of the seeded appeals.
type Person struct {
	Key       string        `json:"key"`   // personas only: resident, curator, ...
	Label     string        `json:"label"` // personas only: how the page names them
	FirstName string        `json:"first_name"`
	LastName  string        `json:"last_name"`
	ID        int64         `json:"id"` // Telegram user id
	Phone     string        `json:"phone"`
	Role      workflow.Role `json:"role"` // "" for residents
	Direction string        `json:"direction"`
}

// Name is the person's full name.
func (p Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// User is the person as a Telegram user.
func (p Person) User() telegramtest.User {
	return telegramtest.User{ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, LanguageCode: "ru"}
}

// SeedAppeal is one appeal of the seeded world, the state it ends in and
// what it takes to get there.
type SeedAppeal struct {
	State     workflow.State `json:"state"`
	DaysAgo   int            `json:"days_ago"`
	Direction string         `json:"direction"` // "" for triage
	Text      string         `json:"text"`
	Address   string         `json:"address"`
	Lat       float64        `json:"lat"`
	Lon       float64        `json:"lon"`
	Answer    string         `json:"answer"`
	Question  string         `json:"question"`
	Reason    string         `json:"reason"`
	Authority string         `json:"authority"`
	Rating    int            `json:"rating"`
	Solved    string         `json:"solved"`
	Comment   string         `json:"comment"`
	// Incident is the title of the incident the appeal is joined to, ""
	// for none: the appeals with one title (open ones, of one direction)
	// are made one incident by their direction's curator.
	Incident string `json:"incident"`
}

// World is the demo's world.
type World struct {
	BotName     string   `json:"bot_name"` // the bot's first_name
	TriageTitle string   `json:"triage_title"`
	GroupTitle  string   `json:"group_title"` // a direction's group, %s its name
	People      []Person `json:"people"`      // the personas of the page
	Staff       []Person `json:"staff"`       // the other staff
	Residents   []Person `json:"residents"`   // the authors of the seeded appeals
	Location    struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	} `json:"location"` // where "share location" points by default
	Appeals []SeedAppeal `json:"appeals"`
}

// LoadWorld reads the embedded world.
func LoadWorld() (*World, error) {
	var w World
	if err := json.Unmarshal(worldJSON, &w); err != nil {
		return nil, fmt.Errorf("demo: world.json: %w", err)
	}
	return &w, nil
}

// Persona returns the persona with the key.
func (w *World) Persona(key string) (Person, bool) {
	for _, p := range w.People {
		if p.Key == key {
			return p, true
		}
	}
	return Person{}, false
}

// Head is the head of administration, the demo's admin too.
func (w *World) Head() Person {
	p, _ := w.Persona("head")
	return p
}

// AllStaff returns the personas who are staff and the other staff.
func (w *World) AllStaff() []Person {
	var out []Person
	for _, p := range append(append([]Person{}, w.People...), w.Staff...) {
		if p.Role != "" {
			out = append(out, p)
		}
	}
	return out
}

// Group ids of the demo's chats: the triage group and a group per
// direction (by its position).
const (
	triageChatID   int64 = -1001700000000
	directionChats int64 = -1001700000100
)

// TriageChat is the operators' group.
func (w *World) TriageChat() telegramtest.Chat {
	return telegramtest.Chat{ID: triageChatID, Type: telegramtest.ChatSupergroup, Title: w.TriageTitle}
}

// DirectionChat is the group of a direction.
func (w *World) DirectionChat(d workflow.Direction) telegramtest.Chat {
	return telegramtest.Chat{ID: directionChats - int64(d.Position), Type: telegramtest.ChatSupergroup,
		Title: fmt.Sprintf(w.GroupTitle, d.Name)}
}

// Register makes the demo's users and chats known to the Telegram test
// server: every person, the groups, and the private chats of the staff
// and of the seeded residents (the bot may write to them). The resident
// persona's chat stays closed until they press Start on the page, as in
// Telegram. Registering again changes nothing.
func (w *World) Register(srv *telegramtest.Server, directions []workflow.Direction) {
	for _, p := range w.People {
		srv.AddUser(p.User())
	}
	for _, p := range w.AllStaff() {
		srv.OpenPrivateChat(p.User())
	}
	for _, p := range w.Residents {
		srv.OpenPrivateChat(p.User())
	}
	srv.AddChat(w.TriageChat())
	for _, d := range directions {
		srv.AddChat(w.DirectionChat(d))
	}
}

// Chats returns the chats a persona sees on the page, in the order the
// page lists them: their groups, then the private chat with the bot.
func (w *World) Chats(p Person, directions []workflow.Direction) []telegramtest.Chat {
	var out []telegramtest.Chat
	switch p.Role {
	case workflow.RoleOperator:
		out = append(out, w.TriageChat())
	case workflow.RoleCurator, workflow.RoleExecutor:
		for _, d := range directions {
			if d.Code == p.Direction {
				out = append(out, w.DirectionChat(d))
			}
		}
	}
	return append(out, telegramtest.PrivateChat(p.User()))
}
