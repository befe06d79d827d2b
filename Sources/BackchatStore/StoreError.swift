/// What went wrong with the conversation store, in words a person can act on.
///
/// Front ends print ``description`` as it is; every case names the file concerned.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at `path` was not a readable database; it was moved, untouched, to `movedTo`
    /// and a new, empty store was started. Nothing was deleted.
    case movedAside(path: String, movedTo: String, reason: String)
    /// The store looked damaged but could not be moved aside; nothing was changed.
    case cannotMoveAside(path: String, reason: String)
    /// The store could not be opened or created (permissions, a full disk, a folder in the way).
    case cannotOpen(path: String, reason: String)
    /// The store was written by a newer Backchat (it has schema versions this one does not know);
    /// it is left untouched rather than risk damaging it.
    case newerSchema(path: String, unknown: [String])
    /// There is no home folder to keep the store in, and no `--store PATH` was given.
    case noLocation
    /// No goal has this id.
    case unknownGoal(Int64)
    /// A saved conversation could not be read back or written.
    case badSession(id: String, reason: String)
    /// The store's file was deleted or replaced while it was open (by `backchat forget` in
    /// another terminal, say): nothing more is read from or saved to it.
    case removed(path: String)
    /// Reading or writing the database failed.
    case database(path: String, reason: String)
    /// Deleting a stored file failed.
    case cannotDelete(path: String, reason: String)

    public var description: String {
        switch self {
        case .movedAside(let path, let movedTo, let reason):
            return "The saved conversations in \(path) could not be read (\(reason)). "
                + "Nothing was deleted: the file was moved to \(movedTo), and Backchat started a new, empty store. "
                + "Keep that file if you want to try to recover it; 'backchat forget' deletes it."
        case .cannotMoveAside(let path, let reason):
            return "The saved conversations in \(path) could not be read, and moving the file aside failed (\(reason)). "
                + "Nothing was changed; move or repair the file, or use --store PATH for another store."
        case .cannotOpen(let path, let reason):
            return "Cannot open the conversation store \(path): \(reason). "
                + "Check that the folder exists and is yours, or use --store PATH for another store."
        case .newerSchema(let path, let unknown):
            return "The conversation store \(path) was written by a newer version of Backchat "
                + "(schema \(unknown.joined(separator: ", "))). It was left untouched; update Backchat to use it."
        case .noLocation:
            return "There is no home folder to keep conversations in (neither XDG_DATA_HOME nor HOME is set to an absolute path); use --store PATH."
        case .unknownGoal(let id):
            return "There is no stored goal with id \(id)."
        case .badSession(let id, let reason):
            return "The saved conversation '\(id)' could not be read or written: \(reason)."
        case .removed(let path):
            return "The conversation store \(path) was deleted or replaced while Backchat was running "
                + "(by 'backchat forget'?). Nothing more from this conversation will be saved."
        case .database(let path, let reason):
            return "The conversation store \(path) failed: \(reason)."
        case .cannotDelete(let path, let reason):
            return "Cannot delete \(path): \(reason)."
        }
    }
}
