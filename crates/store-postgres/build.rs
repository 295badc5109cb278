// The embedded migration list, generated from `migrations/` (see the shared script).
include!("../store/build_migrations.rs");

fn main() {
    generate_migration_list();
}
