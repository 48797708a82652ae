//! Departments (a tree) and employees.
