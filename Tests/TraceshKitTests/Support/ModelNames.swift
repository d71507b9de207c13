import TraceshModel

/// Foundation has an `Expression` of its own; in these tests the word means tracesh's.
typealias Expression = TraceshModel.Expression
