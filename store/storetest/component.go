package storetest

import (
	"github.com/candorstatus/candor/lang"
	"testing"
	"time"

	"github.com/candorstatus/candor/status"
)

func newGroup(id, name string, pos int) *status.Group {
	return &status.Group{ID: id, Name: lang.Same(name), Description: lang.Same("The " + name + " area."), Position: pos,
		CreatedAt: base, UpdatedAt: base.Add(time.Second)}
}

func newComponent(id, name string, pos int) *status.Component {
	return &status.Component{ID: id, Name: lang.Same(name), Description: lang.Same(name + " for everyone."), Position: pos,
		Status: status.Operational, CreatedAt: base, UpdatedAt: base.Add(time.Second)}
}

func testGroups(t *testing.T, s status.Store) {
	g1, g2, g3 := newGroup("g1", "B", 2), newGroup("g2", "Z", 1), newGroup("g3", "A", 2)
	requireAllSet(t, g1)
	c1, c2 := newComponent("c1", "One", 0), newComponent("c2", "Two", 1)
	c1.GroupID, c2.GroupID = "g1", "g1"
	write(t, s, func(tx status.Tx) error {
		for _, g := range []*status.Group{g1, g2, g3} {
			if err := tx.PutGroup(g); err != nil {
				return err
			}
		}
		for _, c := range []*status.Component{c1, c2} {
			if err := tx.CreateComponent(c); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		gs, err := tx.Groups()
		check(t, "Groups (position, then name)", gs, []status.Group{*g2, *g3, *g1})
		return err
	})

	// PutGroup on an existing id updates it and keeps its creation time.
	changed := *g1
	changed.Name, changed.Description, changed.Position = lang.Same("Renamed"), lang.Same(""), 0
	changed.CreatedAt, changed.UpdatedAt = base.Add(time.Hour), base.Add(time.Hour)
	write(t, s, func(tx status.Tx) error { return tx.PutGroup(&changed) })
	read(t, s, func(tx status.Tx) error {
		gs, err := tx.Groups()
		want := changed
		want.CreatedAt = g1.CreatedAt
		check(t, "Groups after update", gs, []status.Group{want, *g2, *g3})
		return err
	})

	// Deleting a group ungroups its components.
	write(t, s, func(tx status.Tx) error { return tx.DeleteGroup("g1") })
	read(t, s, func(tx status.Tx) error {
		gs, err := tx.Groups()
		if err != nil {
			return err
		}
		check(t, "Groups after delete", gs, []status.Group{*g2, *g3})
		cs, err := tx.Components()
		c1.GroupID, c2.GroupID = "", ""
		check(t, "Components after group delete", cs, []status.Component{*c1, *c2})
		return err
	})
	err := s.Write(wait(t), func(tx status.Tx) error { return tx.DeleteGroup("g1") })
	wantCode(t, "DeleteGroup twice", err, status.ENOTFOUND)
}

func testComponents(t *testing.T, s status.Store) {
	read(t, s, func(tx status.Tx) error {
		cs, err := tx.Components()
		check(t, "Components of an empty store", cs, []status.Component(nil))
		return err
	})

	full := &status.Component{
		ID: "messenger", Name: lang.Same("Messenger"), Description: lang.Same("Chats, 1:1 and groups — 메신저."),
		GroupID: "core", Position: 3, Status: status.PartialOutage, Showcase: true, OnlyShowIfDegraded: true,
		StartDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), CreatedAt: base, UpdatedAt: base.Add(time.Minute),
	}
	requireAllSet(t, full)
	zeta, beta, alpha := newComponent("zeta", "Zeta", 0), newComponent("beta", "Beta", 1), newComponent("alpha", "Alpha", 1)
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutGroup(newGroup("core", "Core", 0)); err != nil {
			return err
		}
		if err := tx.PutGroup(newGroup("edge", "Edge", 1)); err != nil {
			return err
		}
		for _, c := range []*status.Component{full, beta, zeta, alpha} {
			if err := tx.CreateComponent(c); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Component("messenger")
		if err != nil {
			return err
		}
		check(t, "Component round trip", got, full)
		cs, err := tx.Components()
		check(t, "Components (position, then name)", cs, []status.Component{*zeta, *alpha, *beta, *full})
		return err
	})

	// UpdateComponent replaces everything but the id and the creation time.
	upd := *full
	upd.Name, upd.Description, upd.GroupID, upd.Position = lang.Same("Messenger 2"), lang.Same(""), "edge", 0
	upd.Status, upd.Showcase, upd.OnlyShowIfDegraded = status.Operational, false, false
	upd.StartDate, upd.CreatedAt, upd.UpdatedAt = time.Time{}, base.Add(time.Hour), base.Add(2*time.Hour)
	write(t, s, func(tx status.Tx) error { return tx.UpdateComponent(&upd) })
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Component("messenger")
		want := upd
		want.CreatedAt = full.CreatedAt
		check(t, "Component after update", got, &want)
		return err
	})
	upd.GroupID = ""
	write(t, s, func(tx status.Tx) error { return tx.UpdateComponent(&upd) })
	read(t, s, func(tx status.Tx) error {
		got, err := tx.Component("messenger")
		if err == nil && got.GroupID != "" {
			t.Errorf("GroupID after ungrouping = %q, want empty", got.GroupID)
		}
		return err
	})

	write(t, s, func(tx status.Tx) error { return tx.DeleteComponent("messenger") })
	read(t, s, func(tx status.Tx) error {
		_, err := tx.Component("messenger")
		wantCode(t, "Component after delete", err, status.ENOTFOUND)
		cs, err := tx.Components()
		check(t, "Components after delete", cs, []status.Component{*zeta, *alpha, *beta})
		return err
	})
}

func testComponentErrors(t *testing.T, s status.Store) {
	write(t, s, func(tx status.Tx) error {
		if err := tx.PutGroup(newGroup("core", "Core", 0)); err != nil {
			return err
		}
		return tx.CreateComponent(newComponent("api", "API", 0))
	})
	grouped := func(id, group string) *status.Component {
		c := newComponent(id, id, 0)
		c.GroupID = group
		return c
	}
	tests := []struct {
		name string
		fn   func(tx status.Tx) error
		code string
	}{
		{"get missing", func(tx status.Tx) error { _, err := tx.Component("nope"); return err }, status.ENOTFOUND},
		{"create duplicate", func(tx status.Tx) error { return tx.CreateComponent(newComponent("api", "Other", 1)) }, status.ECONFLICT},
		{"update missing", func(tx status.Tx) error { return tx.UpdateComponent(newComponent("nope", "Nope", 0)) }, status.ENOTFOUND},
		{"delete missing", func(tx status.Tx) error { return tx.DeleteComponent("nope") }, status.ENOTFOUND},
		{"create in missing group", func(tx status.Tx) error { return tx.CreateComponent(grouped("web", "nope")) }, status.EINVALID},
		{"update into missing group", func(tx status.Tx) error { return tx.UpdateComponent(grouped("api", "nope")) }, status.EINVALID},
		{"delete missing group", func(tx status.Tx) error { return tx.DeleteGroup("nope") }, status.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.name, s.Write(wait(t), tt.fn), tt.code)
		})
	}
	read(t, s, func(tx status.Tx) error {
		cs, err := tx.Components()
		check(t, "Components after failed writes", cs, []status.Component{*newComponent("api", "API", 0)})
		return err
	})
}
