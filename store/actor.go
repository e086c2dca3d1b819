package store

import "fmt"

// Role is what an actor may do.
type Role string

// Roles.
const (
	RoleBureau Role = "bureau" // the city bureau: every unit
	RoleCounty Role = "county" // a county or zone: itself and its schools
	RoleSchool Role = "school" // a school: itself
	RoleSystem Role = "system" // edustat itself (intake from folders and mail), acting for the bureau
)

// Actor is who does something, as the audit log records it.
type Actor struct {
	Role Role
	Unit string // unit code for the county and school roles
	Name string // user name, "cli", "mail"
	From string // where from: IP address, mail address, "cli"
}

// CLI is the actor of a command run at the bureau's desk.
var CLI = Actor{Role: RoleBureau, Name: "cli", From: "cli"}

// String names the actor for messages: bureau cli@cli, county:370811 王芳@10.0.0.5.
func (a Actor) String() string {
	who := string(a.Role)
	if a.Unit != "" {
		who += ":" + a.Unit
	}
	return fmt.Sprintf("%s %s@%s", who, a.Name, a.From)
}

// city reports whether the actor acts at the city level.
func (a Actor) city() bool { return a.Role == RoleBureau || a.Role == RoleSystem }

func (a Actor) valid() error {
	switch a.Role {
	case RoleBureau, RoleSystem:
		return nil
	case RoleCounty, RoleSchool:
		if a.Unit == "" {
			return fmt.Errorf("%w: role %s without a unit", ErrForbidden, a.Role)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown role %q", ErrForbidden, a.Role)
}
