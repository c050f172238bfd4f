// Package arch holds no code: its test checks that dependencies flow one way
// (edge → parts → seams → backends are chosen only in cmd).
package arch
