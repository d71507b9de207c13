import TraceshModel

/// Foundation has an `Expression` of its own; in this module the word means tracesh's.
public typealias Expression = TraceshModel.Expression
