// Package models holds TaskPilot's data types: the GORM models, their
// validation rules and the sentinel errors shared by every layer. It runs no
// queries; only package store talks to the database.
package models
